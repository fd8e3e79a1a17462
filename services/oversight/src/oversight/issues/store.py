"""MongoDB storage of the partnership issue log (`partnership_issues`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

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

    async def raise_issue(self, issue: Issue) -> Issue:
        """Raise `issue` once (its id derived from what it is about); again: link the new referrals.
        What people changed since (status, owner, review date) stays."""
        document = issue.model_dump(mode="json")
        linked = document.pop("linked_referrals")
        raised = await self._issues.find_one_and_update(
            {"_id": issue.issue_id}, {"$setOnInsert": document, "$addToSet": {"linked_referrals": {"$each": linked}}},
            upsert=True, return_document=ReturnDocument.AFTER)
        return _issue(raised)

    async def retell(self, issue_id: UUID, summary: str, linked: int) -> Issue | None:
        """Set the summary of an entry that links `linked` referrals; None if it links more by now
        (the flag that linked them tells its own count)."""
        updated = await self._issues.find_one_and_update(
            {"_id": issue_id, "linked_referrals": {"$size": linked}}, {"$set": {"summary": summary}},
            return_document=ReturnDocument.AFTER)
        return _issue(updated) if updated else None

    async def issues(self, status: IssueStatus | None = None) -> list[Issue]:
        cursor = self._issues.find({"status": status.value} if status else {}).sort("raised_at", ASCENDING)
        return [_issue(d) async for d in cursor]

    async def update(self, issue_id: UUID, changes: dict[str, Any]) -> Issue | None:
        updated = await self._issues.find_one_and_update({"_id": issue_id}, {"$set": changes},
                                                         return_document=ReturnDocument.AFTER)
        return _issue(updated) if updated else None
