"""MongoDB storage of the quality review: samples (`quality_samples`) and reviews
(`quality_reviews`); candidates are found in the projection."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from .models import Month, Review, Sample
from .rules import candidates


def _load(model: type, document: dict[str, Any]):
    return model.model_validate({k: v for k, v in document.items() if k != "_id"})


class QualityStore:
    def __init__(self, database: AsyncDatabase, referrals: AsyncCollection) -> None:
        self._referrals = referrals  # the projection (referrals/store.py)
        self._samples = database["quality_samples"]
        self._reviews = database["quality_reviews"]

    async def ensure_indexes(self) -> None:
        await self._reviews.create_index([("month", ASCENDING)])

    async def candidates(self, month: Month) -> list[UUID]:
        """Delayed or failed referrals of the month (rules.candidates)."""
        return [d["_id"] async for d in self._referrals.find(candidates(month), {"_id": 1})]

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
