"""MongoDB storage of tracking's event log and referral views.

The log is append-only and keyed by event id, so a redelivered event is recognised and stored
once. A view is replaced only by one that folds more events: two handlers racing on the same
referral can never leave the older view behind.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from referral_contracts import Event
from referral_contracts.events import event_model

from ..domain.model import ReferralView

_INTERNAL = ("_id", "closure_published")


class ReferralStore(Protocol):
    async def append(self, event: Event) -> bool: ...
    async def events_for(self, referral_id: UUID) -> list[Event]: ...
    async def save_view(self, view: ReferralView) -> bool: ...
    async def view(self, referral_id: UUID) -> ReferralView | None: ...
    async def closure_published(self, referral_id: UUID) -> bool: ...
    async def mark_closure_published(self, referral_id: UUID) -> None: ...


def connect(url: str) -> AsyncMongoClient:
    return AsyncMongoClient(url, uuidRepresentation="standard", tz_aware=True, serverSelectionTimeoutMS=10_000)


class MongoReferralStore:
    def __init__(self, database: AsyncDatabase) -> None:
        self._events = database["events"]
        self._referrals = database["referrals"]

    async def ensure_indexes(self) -> None:
        await self._events.create_index([("referral_id", ASCENDING), ("occurred_at", ASCENDING)])

    async def append(self, event: Event) -> bool:
        """Store an event once; False when it was already stored (a redelivery)."""
        try:
            await self._events.insert_one({
                "_id": event.event_id,
                "referral_id": event.referral_id,
                "event_type": event.event_type,
                "schema_version": event.schema_version,
                "occurred_at": event.occurred_at,
                "body": event.model_dump(mode="json"),
            })
        except DuplicateKeyError:
            return False
        return True

    async def events_for(self, referral_id: UUID) -> list[Event]:
        cursor = self._events.find({"referral_id": referral_id}).sort("occurred_at", ASCENDING)
        return [event_model(d["event_type"], d["schema_version"]).model_validate(d["body"]) async for d in cursor]

    async def save_view(self, view: ReferralView) -> bool:
        """Store the view unless one folding at least as many events is there already."""
        fields = view.model_dump()
        try:
            await self._referrals.update_one(
                {"_id": view.referral_id, "events_applied": {"$lt": view.events_applied}},
                {"$set": fields, "$setOnInsert": {"closure_published": False}},
                upsert=True,
            )
        except DuplicateKeyError:  # the filter missed an existing, newer view and the upsert collided
            return False
        return True

    async def view(self, referral_id: UUID) -> ReferralView | None:
        document = await self._referrals.find_one({"_id": referral_id})
        if document is None:
            return None
        return ReferralView.model_validate({k: v for k, v in document.items() if k not in _INTERNAL})

    async def closure_published(self, referral_id: UUID) -> bool:
        document = await self._referrals.find_one({"_id": referral_id}, {"closure_published": 1})
        return bool(document and document.get("closure_published"))

    async def mark_closure_published(self, referral_id: UUID) -> None:
        await self._referrals.update_one({"_id": referral_id}, {"$set": {"closure_published": True}})
