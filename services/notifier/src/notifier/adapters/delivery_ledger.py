"""MongoDB ledger of deliveries: what makes a notice reach each recipient once in effect.

One document per delivery, keyed by (event id, channel, recipient). A delivery is claimed before
it is sent and marked sent after the mail system accepted it:
- claimed and marked sent: never sent again, however often the event is redelivered;
- claimed but never marked sent (a crash between claim and mark, or an SMTP failure): sent
  again on redelivery. That is at-least-once to SMTP; the deterministic Message-ID lets mail
  systems recognise the rare repeat.
Deliveries claimed (or marked) in the same turn of the event loop share the round trip: when rungs
fall due together, their e-mails cost the ledger a few commands, not two each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol
from uuid import UUID

from aiodataloader import DataLoader
from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from referral_contracts import utc_now
from service_kit.lots import LOT  # deliveries per round trip at most: each `$in` names at most a lot


class DeliveryLedger(Protocol):
    async def claim(self, event_id: UUID, channel: str, recipient: str) -> bool:
        """True when this delivery should be sent now; False when it was already sent."""
        ...

    async def mark_sent(self, event_id: UUID, channel: str, recipient: str) -> None: ...


DUPLICATE_KEY = 11000


def connect(url: str) -> AsyncMongoClient:
    return AsyncMongoClient(url, uuidRepresentation="standard", tz_aware=True, serverSelectionTimeoutMS=10_000)


def delivery_key(event_id: UUID, channel: str, recipient: str) -> str:
    # A string _id: unique by construction on every MongoDB-compatible store, and readable.
    return f"{event_id}/{channel}/{recipient.strip().lower()}"


Delivery = tuple[UUID, str, str]  # (event id, channel, recipient)


class _Coalesced:
    """Calls made in one turn of the event loop share one round trip (aiodataloader): the
    deliveries of a consumer's batch, handled concurrently, claim and are marked together. A loader
    belongs to the event loop it was made in."""

    def __init__(self, run: Callable[[list[Delivery]], Awaitable[list]]) -> None:
        self._run, self._loader, self._loop = run, None, None

    async def __call__(self, delivery: Delivery):
        loop = asyncio.get_running_loop()
        if self._loader is None or self._loop is not loop:
            self._loader, self._loop = DataLoader(self._run, cache=False, max_batch_size=LOT, loop=loop), loop
        return await self._loader.load(delivery)


class MongoDeliveryLedger:
    """One bulk upsert and one read claim the deliveries of a turn, one update marks them. Not a
    `find_one_and_update` per claim, one round trip for one delivery: SecantusDB answers every
    findAndModify with a scan of the collection, and the ledger keeps a document per delivery."""

    def __init__(self, database: AsyncDatabase) -> None:
        self._deliveries = database["deliveries"]
        self._claims, self._marks = _Coalesced(self._claim_all), _Coalesced(self._mark_all)

    async def claim(self, event_id: UUID, channel: str, recipient: str) -> bool:
        return await self._claims((event_id, channel, recipient))

    async def mark_sent(self, event_id: UUID, channel: str, recipient: str) -> None:
        await self._marks((event_id, channel, recipient))

    async def _claim_all(self, deliveries: list[Delivery]) -> list[bool]:
        keys = [delivery_key(*d) for d in deliveries]
        updates = {key: _claiming(*d) for key, d in zip(keys, deliveries)}
        writes = [UpdateOne({"_id": key}, update, upsert=True) for key, update in updates.items()]
        try:
            await self._deliveries.bulk_write(writes, ordered=False)
        except BulkWriteError as error:  # raced inserts of the same _id: the retry finds the documents
            if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                raise
            await self._deliveries.bulk_write([writes[e["index"]] for e in error.details["writeErrors"]], ordered=False)
        sent = {d["_id"]: d.get("sent_at") async for d in self._deliveries.find({"_id": {"$in": list(updates)}},
                                                                                  {"sent_at": 1})}
        return [sent.get(key) is None for key in keys]

    async def _mark_all(self, deliveries: list[Delivery]) -> list[None]:
        # Only the first acceptance is recorded: a repeat mark keeps the original time.
        keys = list(dict.fromkeys(delivery_key(*d) for d in deliveries))
        await self._deliveries.update_many({"_id": {"$in": keys}, "sent_at": None}, {"$set": {"sent_at": utc_now()}})
        return [None] * len(deliveries)


def _claiming(event_id: UUID, channel: str, recipient: str) -> dict:
    now = utc_now()
    return {
        "$setOnInsert": {"event_id": event_id, "channel": channel, "recipient": recipient,
                         "first_claimed_at": now, "sent_at": None},
        "$set": {"last_claimed_at": now},
        "$inc": {"attempts": 1},
    }
