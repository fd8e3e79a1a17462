"""MongoDB storage of tracking's event log, referral views and what it has published.

The log is append-only and keyed by event id, so a redelivered event is recognised and stored
once. A view is replaced only by one that folds more events: two handlers racing on the same
referral can never leave the older view behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID, uuid4

from pymongo import ASCENDING, AsyncMongoClient, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from referral_contracts import Event
from referral_contracts.events import event_model

from tracking.lifecycle.model import OPEN_STATES, ReferralView

_INTERNAL = ("_id", "published", "next_escalation_at")


class ReferralStore(Protocol):
    async def events_for(self, referral_id: UUID) -> list[Event]: ...
    async def append_many(self, events: list[Event]) -> int: ...
    async def events_for_many(self, referral_ids: list[UUID]) -> dict[UUID, list[Event]]: ...
    async def save_views(self, views: list[ReferralView]) -> None: ...
    async def next_escalation_before(self, horizon: datetime, limit: int = 1000) -> datetime | None: ...
    async def view(self, referral_id: UUID) -> ReferralView | None: ...
    async def claim_person_service(self, key: str, referral_id: UUID) -> UUID: ...
    async def claim_person_services(self, claims: dict[str, UUID]) -> dict[str, UUID]: ...
    async def release_person_service(self, key: str, referral_id: UUID) -> None: ...
    async def quiet_open_referrals(self, before: datetime, limit: int) -> list[UUID]: ...
    async def escalations_due(self, now: datetime, limit: int) -> list[UUID]: ...
    async def take_leases(self, referral_ids: list[UUID], holder: UUID, now: datetime, seconds: float) -> list[UUID]: ...
    async def release_leases(self, referral_ids: list[UUID], holder: UUID) -> None: ...
    async def views(self, referral_ids: list[UUID]) -> list[ReferralView]: ...
    async def published_many(self, referral_ids: list[UUID]) -> dict[UUID, set[UUID]]: ...
    async def mark_published_many(self, published: list[tuple[UUID, UUID]]) -> None: ...
    async def defer_escalations(self, view: ReferralView, until: datetime) -> None: ...


def _event_document(event: Event) -> dict:
    return {"_id": event.event_id, "referral_id": event.referral_id, "event_type": event.event_type,
            "schema_version": event.schema_version, "occurred_at": event.occurred_at,
            "body": event.model_dump(mode="json")}


def connect(url: str) -> AsyncMongoClient:
    return AsyncMongoClient(url, uuidRepresentation="standard", tz_aware=True, serverSelectionTimeoutMS=10_000)


NextDue = Callable[[ReferralView], datetime | None]


class MongoReferralStore:
    def __init__(self, database: AsyncDatabase, next_due: NextDue = lambda view: None,
                 on_next_due: Callable[[datetime], None] = lambda when: None) -> None:
        # `next_due` (the escalation ladder, bound to the policy) is kept beside each view, indexed,
        # so the deadline watcher reads only the referrals that are due; `on_next_due` tells this
        # process's watcher of each, so it can wake for one sooner than it planned.
        self._next_due = next_due
        self._on_next_due = on_next_due
        self._events = database["events"]
        self._referrals = database["referrals"]
        self._open_by_person = database["open_referrals_by_person_service"]
        self._leases = database["referral_leases"]  # one writer per referral (service_layer/leases.py)

    async def ensure_indexes(self) -> None:
        await self._events.create_index([("referral_id", ASCENDING), ("occurred_at", ASCENDING)])
        # The unknown-outcome sweep reads only open referrals that have been quiet too long.
        await self._referrals.create_index([("last_activity_at", ASCENDING), ("state", ASCENDING)])
        await self._referrals.create_index([("next_escalation_at", ASCENDING)])

    async def events_for(self, referral_id: UUID) -> list[Event]:
        cursor = self._events.find({"referral_id": referral_id}).sort("occurred_at", ASCENDING)
        return [event_model(d["event_type"], d["schema_version"]).model_validate(d["body"]) async for d in cursor]

    async def events_for_many(self, referral_ids: list[UUID]) -> dict[UUID, list[Event]]:
        """`events_for` of many referrals in one query, in the same order (the same index)."""
        logs: dict[UUID, list[Event]] = {referral_id: [] for referral_id in referral_ids}
        cursor = self._events.find({"referral_id": {"$in": referral_ids}}).sort(
            [("referral_id", ASCENDING), ("occurred_at", ASCENDING)])
        async for d in cursor:
            logs[d["referral_id"]].append(event_model(d["event_type"], d["schema_version"]).model_validate(d["body"]))
        return logs

    def view_document(self, view: ReferralView) -> dict:
        """The stored form of a view: its fields and when the watcher must look at it next."""
        return view.model_dump() | {"next_escalation_at": self._next_due(view)}

    async def append_many(self, events: list[Event]) -> int:
        """Store events not stored yet, in one bulk write; returns how many were new (a redelivered
        event is recognised by its id and not stored again)."""
        if not events:
            return 0
        try:
            result = await self._events.insert_many([_event_document(e) for e in events], ordered=False)
            return len(result.inserted_ids)
        except BulkWriteError as error:
            if any(e.get("code") != 11000 for e in error.details.get("writeErrors", [])):
                raise
            return error.details.get("nInserted", 0)

    async def save_views(self, views: list[ReferralView]) -> None:
        """Store views in one bulk write; a view is stored unless one folding at least as many events is
        there already, so handlers racing on a referral never leave the older view behind. Then this
        process's watcher hears of each next due time: after the write, so a watcher it wakes finds it."""
        if not views:
            return
        documents = [self.view_document(v) for v in views]
        try:
            await self._referrals.bulk_write([UpdateOne(
                {"_id": v.referral_id, "events_applied": {"$lt": v.events_applied}},
                {"$set": d, "$setOnInsert": {"published": []}}, upsert=True) for v, d in zip(views, documents)],
                ordered=False)
        except BulkWriteError as error:  # the filter missed an existing, newer view and the upsert collided
            if any(e.get("code") != 11000 for e in error.details.get("writeErrors", [])):
                raise
        for document in documents:
            if document["next_escalation_at"] is not None:
                self._on_next_due(document["next_escalation_at"])

    async def next_escalation_before(self, horizon: datetime, limit: int = 1000) -> datetime | None:
        """The earliest time a referral's next rung falls due, if before `horizon`. A range on the
        index, not a sort: every MongoDB-compatible store plans it on the index (SecantusDB scans
        the collection for a sort, BENCHMARKS.md); a window holding `limit` or more is read as due now."""
        cursor = self._referrals.find({"next_escalation_at": {"$lte": horizon}}, {"next_escalation_at": 1}).limit(limit)
        times = [document["next_escalation_at"] async for document in cursor]
        if len(times) >= limit:
            return datetime.min.replace(tzinfo=horizon.tzinfo)
        return min(times, default=None)

    async def view(self, referral_id: UUID) -> ReferralView | None:
        document = await self._referrals.find_one({"_id": referral_id})
        if document is None:
            return None
        return ReferralView.model_validate({k: v for k, v in document.items() if k not in _INTERNAL})

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

    async def claim_person_services(self, claims: dict[str, UUID]) -> dict[str, UUID]:
        """`claim_person_service` for many keys: one bulk upsert, one read of who holds each."""
        try:
            await self._open_by_person.bulk_write(
                [UpdateOne({"_id": key}, {"$setOnInsert": {"referral_id": r}}, upsert=True) for key, r in claims.items()],
                ordered=False)
        except BulkWriteError as error:  # two first claims raced on an upsert: the read says who won
            if any(e.get("code") != 11000 for e in error.details.get("writeErrors", [])):
                raise
        held = self._open_by_person.find({"_id": {"$in": list(claims)}})
        return {document["_id"]: document["referral_id"] async for document in held}

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

    async def take_leases(self, referral_ids: list[UUID], holder: UUID, now: datetime, seconds: float) -> list[UUID]:
        """Take the lease of each referral no other writer holds, until `now + seconds`; returns
        those taken. One insert of them all (a held lease is a duplicate key); only when some
        were held, one update taking over the expired ones and one read of what it took."""
        until = now + timedelta(seconds=seconds)
        try:
            await self._leases.insert_many([{"_id": r, "holder": holder, "until": until} for r in referral_ids],
                                           ordered=False)
            return list(referral_ids)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(e.get("code") != 11000 for e in errors):
                raise
            held_elsewhere = [referral_ids[e["index"]] for e in errors]
        await self._leases.update_many({"_id": {"$in": held_elsewhere}, "until": {"$lte": now}},
                                       {"$set": {"holder": holder, "until": until}})
        taken_over = {d["_id"] async for d in self._leases.find({"_id": {"$in": held_elsewhere}, "holder": holder})}
        return [r for r in referral_ids if r not in held_elsewhere or r in taken_over]

    async def release_leases(self, referral_ids: list[UUID], holder: UUID) -> None:
        """Give back what this holder still holds (an expired lease may have been taken over)."""
        if referral_ids:
            await self._leases.delete_many({"_id": {"$in": referral_ids}, "holder": holder})

    async def views(self, referral_ids: list[UUID]) -> list[ReferralView]:
        cursor = self._referrals.find({"_id": {"$in": referral_ids}})
        return [ReferralView.model_validate({k: v for k, v in d.items() if k not in _INTERNAL}) async for d in cursor]

    async def published_many(self, referral_ids: list[UUID]) -> dict[UUID, set[UUID]]:
        cursor = self._referrals.find({"_id": {"$in": referral_ids}}, {"published": 1})
        return {d["_id"]: set(d.get("published", [])) async for d in cursor}

    async def mark_published_many(self, published: list[tuple[UUID, UUID]]) -> None:
        """`mark_published` of many (referral id, event id) pairs in one bulk write."""
        if published:
            await self._referrals.bulk_write([UpdateOne({"_id": r}, {"$addToSet": {"published": e}})
                                              for r, e in published], ordered=False)

    async def defer_escalations(self, view: ReferralView, until: datetime) -> None:
        """Rungs due but held for working hours: look again at `until`, not at every sweep. Only
        while the stored view is still `view`: a newer one has computed its own next time."""
        await self._referrals.update_one({"_id": view.referral_id, "events_applied": view.events_applied},
                                         {"$set": {"next_escalation_at": until}})
