"""MongoDB adapters of tracking's ports (ports.py): the event log, the views, what was published,
the leases and the person-and-service keys. They store and read; they decide nothing.

The log is append-only and keyed by event id, so a redelivered event is recognised and stored
once. A view is replaced only by one that folds more events: two handlers racing on the same
referral can never leave the older view behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

from pymongo import ASCENDING, AsyncMongoClient, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from referral_contracts import Event
from referral_contracts.events import event_model

from tracking.lifecycle.model import ReferralView

_NOT_THE_VIEW = ("_id", "published", "next_escalation_at")  # stored beside a view, not part of it
DUPLICATE_KEY = 11000


def connect(url: str) -> AsyncMongoClient:
    return AsyncMongoClient(url, uuidRepresentation="standard", tz_aware=True, serverSelectionTimeoutMS=10_000)


def _only_duplicates(error: BulkWriteError) -> bool:
    """A bulk write that failed only where a key was taken already (a repeat, or a race lost)."""
    return all(e.get("code") == DUPLICATE_KEY for e in error.details.get("writeErrors", []))


def _event(document: dict) -> Event:
    return event_model(document["event_type"], document["schema_version"]).model_validate(document["body"])


_VIEW_ONLY = {"published": 0}  # the published ids grow with the referral's life; a view's readers never need them


def _aware(moment: datetime) -> datetime:
    """A stored time as an aware one (a client without tz_aware reads naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _whole(view: ReferralView, next_at: datetime | None, said: list[UUID] | None) -> UpdateOne:
    return UpdateOne({"_id": view.referral_id, "events_applied": {"$lt": view.events_applied}},
                     {"$set": view.model_dump() | {"next_escalation_at": next_at}} | _remembered(said), upsert=True)


def _changes_only(view: ReferralView, next_at: datetime | None, before: ReferralView, next_before: datetime | None,
                  said: list[UUID] | None) -> UpdateOne:
    """Only the top-level fields that differ from the stored view: fewer paths for the store to
    check and write, and only the indexes of fields that moved (a delivery recorded moves none)."""
    now, then = view.model_dump(), before.model_dump()
    changed = {field: value for field, value in now.items() if then.get(field) != value}
    if next_at != next_before:
        changed["next_escalation_at"] = next_at
    update = {"$set": changed} | ({"$addToSet": {"published": {"$each": list(said)}}} if said else {})
    return UpdateOne({"_id": view.referral_id, "events_applied": before.events_applied}, update)


def _remembered(message_ids: list[UUID] | None) -> dict:
    """The update part that remembers messages published (or starts an empty list for a new view)."""
    if message_ids:
        return {"$addToSet": {"published": {"$each": list(message_ids)}}}
    return {"$setOnInsert": {"published": []}}


def _view(document: dict) -> ReferralView:
    return ReferralView.model_validate({k: v for k, v in document.items() if k not in _NOT_THE_VIEW})


class MongoEventLog:
    def __init__(self, database: AsyncDatabase) -> None:
        self._events = database["events"]

    async def ensure_indexes(self) -> None:
        await self._events.create_index([("referral_id", ASCENDING), ("occurred_at", ASCENDING)])

    async def append(self, events: list[Event]) -> int:
        """One bulk write; a redelivered event is recognised by its id and not stored again."""
        if not events:
            return 0
        try:
            result = await self._events.insert_many([{
                "_id": e.event_id, "referral_id": e.referral_id, "event_type": e.event_type,
                "schema_version": e.schema_version, "occurred_at": e.occurred_at, "body": e.model_dump(mode="json"),
            } for e in events], ordered=False)
            return len(result.inserted_ids)
        except BulkWriteError as error:
            if not _only_duplicates(error):
                raise
            return error.details.get("nInserted", 0)

    async def of(self, referral_ids: list[UUID]) -> dict[UUID, list[Event]]:
        """One query on the (referral, time) index, whatever the number of referrals."""
        logs: dict[UUID, list[Event]] = {referral_id: [] for referral_id in referral_ids}
        cursor = self._events.find({"referral_id": {"$in": list(referral_ids)}}).sort(
            [("referral_id", ASCENDING), ("occurred_at", ASCENDING)])
        async for document in cursor:
            logs[document["referral_id"]].append(_event(document))
        return logs


class MongoViews:
    def __init__(self, database: AsyncDatabase) -> None:
        self._referrals = database["referrals"]

    async def ensure_indexes(self) -> None:
        # The unknown-outcome sweep reads only open referrals that have been quiet too long; the
        # deadline watcher only those whose next rung is due.
        await self._referrals.create_index([("last_activity_at", ASCENDING), ("state", ASCENDING)])
        await self._referrals.create_index([("next_escalation_at", ASCENDING)])

    async def save(self, views: list[tuple[ReferralView, datetime | None]],
                   published: dict[UUID, list[UUID]] | None = None,
                   stored: dict[UUID, tuple[ReferralView, datetime | None]] | None = None) -> None:
        """One bulk write. A view whose stored one the caller knows is written as the fields that
        changed, while that one is stored (its `events_applied`); any other whole, guarded by the
        number of events it folds. The messages published for a referral are added to its
        `published` in the same update. If a changes-only write found another view stored (a writer
        whose lease expired), the views are written whole, each guarded as usual."""
        if not views:
            return
        published, stored = published or {}, stored or {}
        writes = [_changes_only(view, next_at, *stored[view.referral_id], published.get(view.referral_id))
                  if view.referral_id in stored else _whole(view, next_at, published.get(view.referral_id))
                  for view, next_at in views]
        try:
            result = await self._referrals.bulk_write(writes, ordered=False)
            missed = result.matched_count + len(result.upserted_ids) < len(writes)
        except BulkWriteError as error:  # the filter missed an existing, newer view and the upsert collided
            if not _only_duplicates(error):
                raise
            missed = True
        if missed and stored:
            await self.save(views, published)

    async def get(self, referral_id: UUID) -> ReferralView | None:
        document = await self._referrals.find_one({"_id": referral_id}, _VIEW_ONLY)
        return None if document is None else _view(document)

    async def get_many(self, referral_ids: list[UUID]) -> list[ReferralView]:
        return [_view(document) async for document in self._referrals.find({"_id": {"$in": list(referral_ids)}},
                                                                           _VIEW_ONLY)]

    async def get_many_with_published(self, referral_ids: list[UUID]) -> list[tuple[ReferralView, set[UUID]]]:
        return [(_view(document), set(document.get("published", [])))
                async for document in self._referrals.find({"_id": {"$in": list(referral_ids)}})]

    async def escalations_due(self, now: datetime, limit: int = 1000) -> list[UUID]:
        cursor = self._referrals.find({"next_escalation_at": {"$lte": now}}, {"_id": 1}).limit(limit)
        return [document["_id"] async for document in cursor]

    async def escalations_before(self, horizon: datetime, limit: int = 1000) -> list[tuple[UUID, datetime]]:
        cursor = self._referrals.find({"next_escalation_at": {"$lte": horizon}}, {"next_escalation_at": 1}).limit(limit)
        return [(document["_id"], document["next_escalation_at"]) async for document in cursor]

    async def next_escalation_before(self, horizon: datetime, limit: int = 1000) -> datetime | None:
        """A range on the index, not a sort: every MongoDB-compatible store plans it on the index
        (SecantusDB scans the collection for a sort, BENCHMARKS.md)."""
        cursor = self._referrals.find({"next_escalation_at": {"$lte": horizon}}, {"next_escalation_at": 1}).limit(limit)
        times = [document["next_escalation_at"] async for document in cursor]
        if len(times) >= limit:
            return datetime.min.replace(tzinfo=horizon.tzinfo)
        return min(times, default=None)

    async def defer_escalations(self, view: ReferralView, until: datetime) -> None:
        await self._referrals.update_one({"_id": view.referral_id, "events_applied": view.events_applied},
                                         {"$set": {"next_escalation_at": until}})

    async def quiet(self, before: datetime, states: frozenset[str], limit: int = 1000) -> list[UUID]:
        cursor = self._referrals.find({"last_activity_at": {"$lt": before}, "state": {"$in": sorted(states)},
                                       "outcome_unknown_since": None}, {"_id": 1}).limit(limit)
        return [document["_id"] async for document in cursor]


class MongoPublished:
    """Kept in the referral's document, beside its view: one read gives both to a rebuild's check."""

    def __init__(self, database: AsyncDatabase) -> None:
        self._referrals = database["referrals"]

    async def of(self, referral_ids: list[UUID]) -> dict[UUID, set[UUID]]:
        cursor = self._referrals.find({"_id": {"$in": list(referral_ids)}}, {"published": 1})
        return {document["_id"]: set(document.get("published", [])) async for document in cursor}

    async def mark(self, published: list[tuple[UUID, UUID]]) -> None:
        if published:
            await self._referrals.bulk_write([UpdateOne({"_id": referral_id}, {"$addToSet": {"published": message_id}})
                                              for referral_id, message_id in published], ordered=False)


class MongoLeases:
    def __init__(self, database: AsyncDatabase) -> None:
        self._leases = database["referral_leases"]

    async def take(self, referral_ids: list[UUID], holder: UUID, now: datetime, seconds: float) -> list[UUID]:
        """One insert of them all (a held lease is a duplicate key); only when some were held, one
        read of their holders and, only when some had expired, one update taking those over (and a
        read of what it took, if another writer took some of them first)."""
        until = now + timedelta(seconds=seconds)
        try:
            await self._leases.insert_many([{"_id": r, "holder": holder, "until": until} for r in referral_ids],
                                           ordered=False)
            return list(referral_ids)
        except BulkWriteError as error:
            if not _only_duplicates(error):
                raise
            held_elsewhere = [referral_ids[e["index"]] for e in error.details.get("writeErrors", [])]
        leases = [d async for d in self._leases.find({"_id": {"$in": held_elsewhere}})]
        own = {d["_id"] for d in leases if d["holder"] == holder}
        expired = [d["_id"] for d in leases if d["holder"] != holder and _aware(d["until"]) <= now]
        taken_over: set[UUID] = set()
        if expired:
            result = await self._leases.update_many({"_id": {"$in": expired}, "until": {"$lte": now}},
                                                    {"$set": {"holder": holder, "until": until}})
            if result.modified_count == len(expired):
                taken_over = set(expired)
            elif result.modified_count:  # another writer took some of them first
                taken_over = {d["_id"] async for d in self._leases.find({"_id": {"$in": expired}, "holder": holder},
                                                                        {"_id": 1})}
        # One given back between the insert and the read is left for the next try.
        return [r for r in referral_ids if r not in held_elsewhere or r in own or r in taken_over]

    async def release(self, referral_ids: list[UUID], holder: UUID) -> None:
        if referral_ids:  # an expired lease may have been taken over: only this holder's go
            await self._leases.delete_many({"_id": {"$in": list(referral_ids)}, "holder": holder})


class MongoPersonServices:
    def __init__(self, database: AsyncDatabase) -> None:
        self._open_by_person = database["open_referrals_by_person_service"]

    async def claim(self, claims: dict[str, UUID]) -> dict[str, UUID]:
        """One bulk upsert, then one read of who holds each key."""
        if not claims:
            return {}
        try:
            await self._open_by_person.bulk_write(
                [UpdateOne({"_id": key}, {"$setOnInsert": {"referral_id": r}}, upsert=True) for key, r in claims.items()],
                ordered=False)
        except BulkWriteError as error:  # two first claims raced on an upsert: the read says who won
            if not _only_duplicates(error):
                raise
        held = self._open_by_person.find({"_id": {"$in": list(claims)}})
        return {document["_id"]: document["referral_id"] async for document in held}

    async def release(self, key: str, referral_id: UUID) -> None:
        await self._open_by_person.delete_one({"_id": key, "referral_id": referral_id})
