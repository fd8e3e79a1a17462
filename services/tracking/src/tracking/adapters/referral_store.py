"""MongoDB storage of tracking's event log, referral views and what it has published.

The log is append-only and keyed by event id, so a redelivered event is recognised and stored
once. A view is replaced only by one that folds more events: two handlers racing on the same
referral can never leave the older view behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from pymongo import ASCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from referral_contracts import Event
from referral_contracts.events import event_model

from ..domain.model import OPEN_STATES, ReferralView

_INTERNAL = ("_id", "published", "next_escalation_at", "sweep_lease_until")


class ReferralStore(Protocol):
    async def append(self, event: Event) -> bool: ...
    async def events_for(self, referral_id: UUID) -> list[Event]: ...
    async def save_view(self, view: ReferralView) -> bool: ...
    async def view(self, referral_id: UUID) -> ReferralView | None: ...
    async def published(self, referral_id: UUID) -> set[UUID]: ...
    async def mark_published(self, referral_id: UUID, event_id: UUID) -> None: ...
    async def claim_person_service(self, key: str, referral_id: UUID) -> UUID: ...
    async def release_person_service(self, key: str, referral_id: UUID) -> None: ...
    async def quiet_open_referrals(self, before: datetime, limit: int) -> list[UUID]: ...
    async def escalations_due(self, now: datetime, limit: int) -> list[UUID]: ...
    async def lease_due(self, referral_id: UUID, now: datetime, seconds: float) -> bool: ...
    async def release_lease(self, referral_id: UUID) -> None: ...
    async def defer_escalations(self, view: ReferralView, until: datetime) -> None: ...


def connect(url: str) -> AsyncMongoClient:
    return AsyncMongoClient(url, uuidRepresentation="standard", tz_aware=True, serverSelectionTimeoutMS=10_000)


NextDue = Callable[[ReferralView], datetime | None]


class MongoReferralStore:
    def __init__(self, database: AsyncDatabase, next_due: NextDue = lambda view: None) -> None:
        # `next_due` (the escalation ladder, bound to the policy) is kept beside each view, indexed,
        # so the deadline watcher reads only the referrals that are due.
        self._next_due = next_due
        self._events = database["events"]
        self._referrals = database["referrals"]
        self.referrals = self._referrals  # read by oversight's queries (adapters/oversight_queries.py)
        self._open_by_person = database["open_referrals_by_person_service"]

    async def ensure_indexes(self) -> None:
        await self._events.create_index([("referral_id", ASCENDING), ("occurred_at", ASCENDING)])
        # The unknown-outcome sweep reads only open referrals that have been quiet too long.
        await self._referrals.create_index([("last_activity_at", ASCENDING), ("state", ASCENDING)])
        await self._referrals.create_index([("next_escalation_at", ASCENDING)])
        # Oversight filters by period, agency and tier (adapters/oversight_queries.py).
        for field in ("submitted_at", "source_agency_id", "lead_agency_id", "tier", "state"):
            await self._referrals.create_index([(field, ASCENDING), *([("submitted_at", ASCENDING)] if field != "submitted_at" else [])])

    async def append(self, event: Event) -> bool:
        """Store an event once; False when it was already stored (a redelivery)."""
        try:
            await self._events.insert_one({
                "_id": event.event_id, "referral_id": event.referral_id, "event_type": event.event_type,
                "schema_version": event.schema_version, "occurred_at": event.occurred_at,
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
        try:
            await self._referrals.update_one(
                {"_id": view.referral_id, "events_applied": {"$lt": view.events_applied}},
                {"$set": view.model_dump() | {"next_escalation_at": self._next_due(view)},
                 "$setOnInsert": {"published": []}},
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

    async def published(self, referral_id: UUID) -> set[UUID]:
        document = await self._referrals.find_one({"_id": referral_id}, {"published": 1})
        return set(document.get("published", [])) if document else set()

    async def mark_published(self, referral_id: UUID, event_id: UUID) -> None:
        await self._referrals.update_one({"_id": referral_id}, {"$addToSet": {"published": event_id}})

    async def claim_person_service(self, key: str, referral_id: UUID) -> UUID:
        """The open referral holding this person-and-service key: this one, if none held it."""
        for _ in range(2):  # two first claims can race on the upsert; the loser reads the winner
            try:
                held = await self._open_by_person.find_one_and_update(
                    {"_id": key}, {"$setOnInsert": {"referral_id": referral_id}},
                    upsert=True, return_document=ReturnDocument.AFTER,
                )
                return held["referral_id"]
            except DuplicateKeyError:
                continue
        raise RuntimeError(f"could not claim person-service key for referral {referral_id}")

    async def release_person_service(self, key: str, referral_id: UUID) -> None:
        await self._open_by_person.delete_one({"_id": key, "referral_id": referral_id})

    async def quiet_open_referrals(self, before: datetime, limit: int = 1000) -> list[UUID]:
        cursor = self._referrals.find(
            {"last_activity_at": {"$lt": before}, "state": {"$in": [s.value for s in OPEN_STATES]},
             "outcome_unknown_since": None},
            {"_id": 1},
        ).limit(limit)
        return [document["_id"] async for document in cursor]

    async def escalations_due(self, now: datetime, limit: int = 1000) -> list[UUID]:
        cursor = self._referrals.find({"next_escalation_at": {"$lte": now}}, {"_id": 1}).limit(limit)
        return [document["_id"] async for document in cursor]

    async def lease_due(self, referral_id: UUID, now: datetime, seconds: float) -> bool:
        """Take the referral's escalations for `seconds`, if they are due and no other replica holds
        them: one atomic update, so of replicas sweeping at once exactly one fires the rungs."""
        result = await self._referrals.update_one(
            {"_id": referral_id, "next_escalation_at": {"$lte": now},
             "$or": [{"sweep_lease_until": None}, {"sweep_lease_until": {"$lte": now}}]},
            {"$set": {"sweep_lease_until": now + timedelta(seconds=seconds)}},
        )
        return result.modified_count == 1

    async def release_lease(self, referral_id: UUID) -> None:
        await self._referrals.update_one({"_id": referral_id}, {"$set": {"sweep_lease_until": None}})

    async def defer_escalations(self, view: ReferralView, until: datetime) -> None:
        """Rungs due but held for working hours: look again at `until`, not at every sweep. Only
        while the stored view is still `view`: a newer one has computed its own next time."""
        await self._referrals.update_one({"_id": view.referral_id, "events_applied": view.events_applied},
                                         {"$set": {"next_escalation_at": until}})
