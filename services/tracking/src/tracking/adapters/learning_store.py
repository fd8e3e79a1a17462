"""MongoDB storage of what the partnership learns: quality-review samples and reviews, the issue
log, and the crisis history that raises repeated crises (keyed by a hashed person, no personal data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from ..domain.quality import Issue, IssueStatus, Month, Review, Sample


def _load(model: type, document: dict[str, Any]):
    return model.model_validate({k: v for k, v in document.items() if k != "_id"})


class MongoLearningStore:
    def __init__(self, database: AsyncDatabase) -> None:
        self._referrals = database["referrals"]
        self._samples = database["quality_samples"]
        self._reviews = database["quality_reviews"]
        self._issues = database["partnership_issues"]
        self._crises = database["crisis_history"]

    async def ensure_indexes(self) -> None:
        await self._crises.create_index([("person", ASCENDING), ("submitted_at", ASCENDING)])
        await self._reviews.create_index([("month", ASCENDING)])
        await self._issues.create_index([("status", ASCENDING), ("review_date", ASCENDING)])

    async def review_candidates(self, month: Month) -> list[UUID]:
        """Delayed or failed referrals of the month: breached, unknown outcome, declined before any contact."""
        start, end = month.bounds()
        cursor = self._referrals.find({"submitted_at": {"$gte": start, "$lt": end}, "$or": [
            {"escalations.step": "breach"}, {"outcome_unknown_since": {"$ne": None}},
            {"closure.outcome": "declined", "first_contact_at": None}]}, {"_id": 1})
        return [d["_id"] async for d in cursor]

    async def sample(self, month: Month, seed: int) -> Sample | None:
        found = await self._samples.find_one({"_id": f"{month}/{seed}"})
        return _load(Sample, found) if found else None

    async def keep_sample(self, sample: Sample) -> Sample:
        """The first sample kept for a month and seed stays: drawing again returns it."""
        kept = await self._samples.find_one_and_update(
            {"_id": f"{sample.month}/{sample.seed}"}, {"$setOnInsert": sample.model_dump(mode="json")},
            upsert=True, return_document=ReturnDocument.AFTER)
        return _load(Sample, kept)

    async def add_review(self, review: Review) -> None:
        await self._reviews.insert_one({"_id": review.review_id, **review.model_dump(mode="json")})

    async def complete_action(self, review_id: UUID, by: str, at: datetime) -> Review | None:
        updated = await self._reviews.find_one_and_update(
            {"_id": review_id, "corrective_action": {"$ne": None}},
            {"$set": {"corrective_action.completed_at": at, "corrective_action.completed_by": by}},
            return_document=ReturnDocument.AFTER)
        return _load(Review, updated) if updated else None

    async def root_causes_by_month(self) -> dict[str, dict[str, int]]:
        rows = await (await self._reviews.aggregate([
            {"$unwind": "$root_causes"},
            {"$group": {"_id": {"month": "$month", "cause": "$root_causes"}, "n": {"$sum": 1}}},
        ])).to_list()
        causes: dict[str, dict[str, int]] = {}
        for row in rows:
            causes.setdefault(row["_id"]["month"], {})[row["_id"]["cause"]] = row["n"]
        return dict(sorted(causes.items()))

    async def open_actions(self) -> list[Review]:
        cursor = self._reviews.find({"corrective_action": {"$ne": None}, "corrective_action.completed_at": None})
        return [_load(Review, d) async for d in cursor.sort("corrective_action.due", ASCENDING)]

    async def add_issue(self, issue: Issue) -> None:
        await self._issues.insert_one({"_id": issue.issue_id, **issue.model_dump(mode="json")})

    async def raise_issue(self, issue: Issue) -> Issue:
        """Raise `issue` once (its id derived from what it is about); again: link the new referrals."""
        document = issue.model_dump(mode="json")
        linked = document.pop("linked_referrals")
        raised = await self._issues.find_one_and_update(
            {"_id": issue.issue_id}, {"$setOnInsert": document, "$addToSet": {"linked_referrals": {"$each": linked}}},
            upsert=True, return_document=ReturnDocument.AFTER)
        return _load(Issue, raised)

    async def retell_issue(self, issue_id: UUID, summary: str, linked: int) -> Issue | None:
        """Set the summary of an entry that links `linked` referrals; None if it links more by now
        (the request that linked them tells its own count)."""
        updated = await self._issues.find_one_and_update(
            {"_id": issue_id, "linked_referrals": {"$size": linked}}, {"$set": {"summary": summary}},
            return_document=ReturnDocument.AFTER)
        return _load(Issue, updated) if updated else None

    async def issues(self, status: IssueStatus | None = None) -> list[Issue]:
        cursor = self._issues.find({"status": status.value} if status else {}).sort("raised_at", ASCENDING)
        return [_load(Issue, d) async for d in cursor]

    async def update_issue(self, issue_id: UUID, changes: dict[str, Any]) -> Issue | None:
        updated = await self._issues.find_one_and_update({"_id": issue_id}, {"$set": changes},
                                                         return_document=ReturnDocument.AFTER)
        return _load(Issue, updated) if updated else None

    async def remember_crisis(self, person: str, referral_id: UUID, submitted_at: datetime) -> None:
        await self._crises.update_one({"_id": referral_id},
                                      {"$setOnInsert": {"person": person, "submitted_at": submitted_at}}, upsert=True)

    async def crises_of(self, person: str, since: datetime) -> list[UUID]:
        cursor = self._crises.find({"person": person, "submitted_at": {"$gte": since}}).sort("submitted_at", ASCENDING)
        return [d["_id"] async for d in cursor]
