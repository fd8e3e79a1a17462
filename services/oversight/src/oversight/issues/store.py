"""MongoDB storage of the partnership issue log (`partnership_issues`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from .models import Issue, IssueStatus


def _issue(document: dict[str, Any]) -> Issue:
    return Issue.model_validate({k: v for k, v in document.items() if k != "_id"})


class IssueLog:
    def __init__(self, database: AsyncDatabase) -> None:
        self._issues = database["partnership_issues"]

    async def ensure_indexes(self) -> None:
        await self._issues.create_index([("status", ASCENDING), ("review_date", ASCENDING)])

    async def add(self, issue: Issue) -> None:
        await self._issues.insert_one({"_id": issue.issue_id, **issue.model_dump(mode="json")})

    async def add_once(self, issue: Issue) -> bool:
        """Add `issue` unless one with its id is there; whether it was added."""
        try:
            await self.add(issue)
            return True
        except DuplicateKeyError:
            return False

    async def get(self, issue_id: UUID) -> Issue | None:
        found = await self._issues.find_one({"_id": issue_id})
        return _issue(found) if found else None

    async def relink(self, issue_id: UUID, was: list[UUID], linked: list[UUID], summary: str) -> Issue | None:
        """Set the entry's linked referrals and summary together, only while it links exactly `was`
        (None otherwise: another writer linked first). One write, so no reader sees one without
        the other; what people changed (status, owner, review date) stays."""
        updated = await self._issues.find_one_and_update(
            {"_id": issue_id, "linked_referrals": [str(r) for r in was]},
            {"$set": {"linked_referrals": [str(r) for r in linked], "summary": summary}},
            return_document=ReturnDocument.AFTER)
        return _issue(updated) if updated else None

    async def issues(self, status: IssueStatus | None = None) -> list[Issue]:
        cursor = self._issues.find({"status": status.value} if status else {}).sort("raised_at", ASCENDING)
        return [_issue(d) async for d in cursor]

    async def update(self, issue_id: UUID, changes: dict[str, Any]) -> Issue | None:
        updated = await self._issues.find_one_and_update({"_id": issue_id}, {"$set": changes},
                                                         return_document=ReturnDocument.AFTER)
        return _issue(updated) if updated else None
