"""MongoDB storage of each person's crisis referrals, for repeated crises (persons/crises.py): keyed
by referral, found by the hashed person key (persons/duplicates.person_key), never personal data."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase


class MongoCrisisHistory:
    def __init__(self, database: AsyncDatabase) -> None:
        self._crises = database["crisis_history"]

    async def ensure_indexes(self) -> None:
        await self._crises.create_index([("person", ASCENDING), ("submitted_at", ASCENDING)])

    async def remember(self, person: str, referral_id: UUID, submitted_at: datetime) -> None:
        """Once per referral: a redelivered triage remembers nothing new."""
        await self._crises.update_one({"_id": referral_id},
                                      {"$setOnInsert": {"person": person, "submitted_at": submitted_at}}, upsert=True)

    async def crises_of(self, person: str, since: datetime) -> list[UUID]:
        """The person's crisis referrals submitted at or after `since`, oldest first."""
        cursor = self._crises.find({"person": person, "submitted_at": {"$gte": since}}).sort("submitted_at", ASCENDING)
        return [d["_id"] async for d in cursor]
