"""MongoDB adapters of tracking's ports (ports.py): the event log, the views, what was published,
the leases and the person-and-service keys. They store and read; they decide nothing.

The log is append-only and keyed by event id, so a redelivered event is recognised and stored
once. A view is replaced only by one that folds more events: two handlers racing on the same
referral can never leave the older view behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from uuid import UUID

from pymongo import ASCENDING, AsyncMongoClient, DeleteMany, UpdateMany, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from referral_contracts import Event
from referral_contracts.events import event_model
from service_kit.lots import lots

from tracking.lifecycle.model import ReferralView

_NOT_THE_VIEW = ("_id", "published", "next_escalation_at")  # stored beside a view, not part of it
DUPLICATE_KEY = 11000
GIVEN_BACK = datetime(1970, 1, 1, tzinfo=timezone.utc)  # a lease given back is one that expired long ago


def connect(url: str) -> AsyncMongoClient:
    return AsyncMongoClient(url, uuidRepresentation="standard", tz_aware=True, serverSelectionTimeoutMS=10_000)


def _only_duplicates(error: BulkWriteError) -> bool:
    """A bulk write that failed only where a key was taken already (a repeat, or a race lost)."""
    return all(e.get("code") == DUPLICATE_KEY for e in error.details.get("writeErrors", []))


def _event(document: dict) -> Event:
    return event_model(document["event_type"], document["schema_version"]).model_validate(document["body"])


_VIEW_ONLY = {"published": 0}  # views stored before issue 16 kept what was published beside them


def _whole(view: ReferralView, next_at: datetime | None) -> UpdateOne:
    return UpdateOne({"_id": view.referral_id, "events_applied": {"$lt": view.events_applied}},
                     {"$set": view.model_dump() | {"next_escalation_at": next_at}}, upsert=True)


def _changes_only(view: ReferralView, next_at: datetime | None, before: ReferralView,
                  next_before: datetime | None) -> UpdateOne:
    """Only the top-level fields that differ from the stored view: fewer paths for the store to
    check and write, and only the indexes of fields that moved (a delivery recorded moves none)."""
    now, then = view.model_dump(), before.model_dump()
    changed = {field: value for field, value in now.items() if then.get(field) != value}
    if next_at != next_before:
        changed["next_escalation_at"] = next_at
    return UpdateOne({"_id": view.referral_id, "events_applied": before.events_applied}, {"$set": changed})


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
        """One query on the (referral, time) index per lot of referrals (service_kit.lots)."""
        logs: dict[UUID, list[Event]] = {referral_id: [] for referral_id in referral_ids}
        for lot in lots(list(logs)):
            cursor = self._events.find({"referral_id": {"$in": lot}}).sort(
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
                   stored: dict[UUID, tuple[ReferralView, datetime | None]] | None = None) -> None:
        """One bulk write. A view whose stored one the caller knows is written as the fields that
        changed, while that one is stored (its `events_applied`); any other whole, guarded by the
        number of events it folds. If a changes-only write found another view stored (a writer
        whose lease expired), the views are written whole, each guarded as usual."""
        if not views:
            return
        stored = stored or {}
        writes = [_changes_only(view, next_at, *stored[view.referral_id]) if view.referral_id in stored
                  else _whole(view, next_at) for view, next_at in views]
        try:
            result = await self._referrals.bulk_write(writes, ordered=False)
            missed = result.matched_count + len(result.upserted_ids) < len(writes)
        except BulkWriteError as error:  # the filter missed an existing, newer view and the upsert collided
            if not _only_duplicates(error):
                raise
            missed = True
        if missed and stored:
            await self.save(views)

    async def get(self, referral_id: UUID) -> ReferralView | None:
        document = await self._referrals.find_one({"_id": referral_id}, _VIEW_ONLY)
        return None if document is None else _view(document)

    async def get_many(self, referral_ids: list[UUID]) -> list[ReferralView]:
        return [_view(document) for lot in lots(referral_ids)
                async for document in self._referrals.find({"_id": {"$in": lot}}, _VIEW_ONLY)]

    async def escalations_due(self, now: datetime, limit: int = 1000) -> list[UUID]:
        cursor = self._referrals.find({"next_escalation_at": {"$lte": now}}, {"_id": 1}).limit(limit)
        return [document["_id"] async for document in cursor]

    async def escalations_before(self, horizon: datetime, limit: int = 1000) -> list[tuple[UUID, datetime]]:
        """A range on the index, not a sort: every MongoDB-compatible store plans it on the index
        (SecantusDB scans the collection for a sort, BENCHMARKS.md)."""
        cursor = self._referrals.find({"next_escalation_at": {"$lte": horizon}}, {"next_escalation_at": 1}).limit(limit)
        return [(document["_id"], document["next_escalation_at"]) async for document in cursor]

    async def reschedule(self, view: ReferralView, until: datetime | None) -> None:
        await self._referrals.update_one({"_id": view.referral_id, "events_applied": view.events_applied},
                                         {"$set": {"next_escalation_at": until}})

    async def every_view(self) -> AsyncIterator[tuple[ReferralView, datetime | None]]:
        """One cursor, no sort (a store may sort in memory): a view updated meanwhile is one of
        those read, and re-timing it twice is harmless."""
        async for document in self._referrals.find({}, batch_size=500):
            yield _view(document), document.get("next_escalation_at")

    async def quiet(self, before: datetime, states: frozenset[str], limit: int = 1000) -> list[UUID]:
        cursor = self._referrals.find({"last_activity_at": {"$lt": before}, "state": {"$in": sorted(states)},
                                       "outcome_unknown_since": None}, {"_id": 1}).limit(limit)
        return [document["_id"] async for document in cursor]


class MongoPublished:
    """Kept in the referral's lease document (`referral_leases`), never in the view: the lease's
    take reads it and its release adds to it (MongoLeases); a rebuild marks it here."""

    def __init__(self, database: AsyncDatabase) -> None:
        self._leases = database[LEASES]

    async def of(self, referral_ids: list[UUID]) -> dict[UUID, set[UUID]]:
        return {document["_id"]: set(document["published"]) for lot in lots(referral_ids)
                async for document in self._leases.find({"_id": {"$in": lot}, "published": {"$exists": True}},
                                                        {"published": 1})}

    async def mark(self, published: list[tuple[UUID, UUID]]) -> None:
        if published:
            await self._leases.bulk_write([UpdateOne({"_id": referral_id}, {"$addToSet": {"published": message_id}},
                                                     upsert=True) for referral_id, message_id in published],
                                          ordered=False)


LEASES = "referral_leases"


class MongoLeases:
    """A document per referral: who holds its lease until when, and what was published for it."""

    def __init__(self, database: AsyncDatabase) -> None:
        self._leases = database[LEASES]

    async def take(self, referral_ids: list[UUID], holder: UUID, now: datetime,
                   seconds: float) -> dict[UUID, set[UUID]]:
        """One update of the free leases, one read of those now this holder's with what was
        published; referrals never seen (a first submission) cost an insert instead, a held lease
        failing as a duplicate key. Not `find_one_and_update`, which would take and read one lease in
        one round trip: SecantusDB answers every findAndModify with a scan of the collection (its
        write re-asserts the query under `$and`, which it cannot look up by `_id`: 100 ms a call at
        20,000 leases), and this collection holds a document per referral. Nor an upsert with a
        condition on the lease: one that finds the lease held must fail, and SecantusDB applied it
        to the held lease under contention."""
        taking = {"$set": {"holder": holder, "until": now + timedelta(seconds=seconds)}}
        found: dict[UUID, set[UUID]] = {}
        for lot in lots(referral_ids):
            # Free: given back, expired, or never taken (a rebuild's marks). `$not $gt` rather than an
            # `$or` with a missing field, which SecantusDB answers with a scan.
            if (await self._leases.update_many({"_id": {"$in": lot}, "until": {"$not": {"$gt": now}}},
                                               taking)).matched_count:
                found |= {d["_id"]: set(d.get("published", [])) async for d in self._leases.find(
                    {"_id": {"$in": lot}, "holder": holder}, {"published": 1})}
        found |= {r: set() for r in await self._insert([r for r in referral_ids if r not in found], taking["$set"])}
        return {r: found[r] for r in referral_ids if r in found}  # in the order asked

    async def _insert(self, referral_ids: list[UUID], lease: dict) -> list[UUID]:
        """Leases of referrals never seen, as new documents; those held already are duplicates."""
        if not referral_ids:
            return []
        try:
            await self._leases.insert_many([{"_id": r, **lease} for r in referral_ids], ordered=False)
            return referral_ids
        except BulkWriteError as error:
            if not _only_duplicates(error):
                raise
            held = {referral_ids[e["index"]] for e in error.details.get("writeErrors", [])}
            return [r for r in referral_ids if r not in held]

    async def release(self, referral_ids: list[UUID], holder: UUID, published: dict[UUID, list[UUID]] | None = None,
                      unpublished: list[UUID] | None = None) -> None:
        """One update, remembering what was published (an expired lease may have been taken over:
        only this holder's are given back). `unpublished`: referrals nothing was ever published
        for (not known yet, or an unknown id asked for): their documents are deleted instead, so
        no request leaves one behind."""
        published, gone = published or {}, set(unpublished or ())
        said = [r for r in referral_ids if published.get(r)]
        quiet = [r for r in referral_ids if not published.get(r)]
        writes: list = [UpdateOne({"_id": r, "holder": holder},
                                  {"$set": {"until": GIVEN_BACK}, "$addToSet": {"published": {"$each": published[r]}}})
                        for r in said]
        writes += [UpdateMany({"_id": {"$in": lot}, "holder": holder}, {"$set": {"until": GIVEN_BACK}})
                   for lot in lots(quiet)]
        # given back above too: the delete spares one that has something published meanwhile
        writes += [DeleteMany({"_id": {"$in": lot}, "holder": holder, "published": {"$exists": False}})
                   for lot in lots(sorted(gone))]
        if writes:
            await self._leases.bulk_write(writes, ordered=False)


class MongoPersonServices:
    def __init__(self, database: AsyncDatabase) -> None:
        self._open_by_person = database["open_referrals_by_person_service"]

    async def claim(self, claims: dict[str, UUID]) -> dict[str, UUID]:
        """One bulk upsert, then one read of who holds each key (not a `find_one_and_update` for one
        key: SecantusDB scans the collection for it, MongoLeases.take)."""
        if not claims:
            return {}
        try:
            await self._open_by_person.bulk_write(
                [UpdateOne({"_id": key}, {"$setOnInsert": {"referral_id": r}}, upsert=True) for key, r in claims.items()],
                ordered=False)
        except BulkWriteError as error:  # two first claims raced on an upsert: the read says who won
            if not _only_duplicates(error):
                raise
        return {document["_id"]: document["referral_id"] for lot in lots(list(claims))
                async for document in self._open_by_person.find({"_id": {"$in": lot}})}

    async def release(self, key: str, referral_id: UUID) -> None:
        await self._open_by_person.delete_one({"_id": key, "referral_id": referral_id})
