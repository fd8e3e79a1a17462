"""MongoDB ledger of deliveries: what makes a notice reach each recipient once in effect.

One document per delivery, keyed by (event id, channel, recipient). A delivery is claimed before
it is sent and marked sent after the mail system accepted it:
- claimed and marked sent: never sent again, however often the event is redelivered;
- claimed but never marked sent (a crash between claim and mark, or an SMTP failure): sent
  again on redelivery. That is at-least-once to SMTP; the deterministic Message-ID lets mail
  systems recognise the rare repeat.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from referral_contracts import utc_now


class DeliveryLedger(Protocol):
    async def claim(self, event_id: UUID, channel: str, recipient: str) -> bool:
        """True when this delivery should be sent now; False when it was already sent."""
        ...

    async def mark_sent(self, event_id: UUID, channel: str, recipient: str) -> None: ...


def connect(url: str) -> AsyncMongoClient:
    return AsyncMongoClient(url, uuidRepresentation="standard", tz_aware=True, serverSelectionTimeoutMS=10_000)


def delivery_key(event_id: UUID, channel: str, recipient: str) -> str:
    # A string _id: unique by construction on every MongoDB-compatible store, and readable.
    return f"{event_id}/{channel}/{recipient.strip().lower()}"


class MongoDeliveryLedger:
    def __init__(self, database: AsyncDatabase) -> None:
        self._deliveries = database["deliveries"]

    async def claim(self, event_id: UUID, channel: str, recipient: str) -> bool:
        key = delivery_key(event_id, channel, recipient)
        update = {
            "$setOnInsert": {
                "event_id": event_id, "channel": channel, "recipient": recipient,
                "first_claimed_at": utc_now(), "sent_at": None,
            },
            "$set": {"last_claimed_at": utc_now()},
            "$inc": {"attempts": 1},
        }
        try:
            document = await self._claim(key, update)
        except DuplicateKeyError:
            # Two claims raced to insert the same _id; the loser's retry now finds the document.
            document = await self._claim(key, update)
        return document.get("sent_at") is None

    async def _claim(self, key: str, update: dict) -> dict:
        return await self._deliveries.find_one_and_update(
            {"_id": key}, update, upsert=True, return_document=ReturnDocument.AFTER
        )

    async def mark_sent(self, event_id: UUID, channel: str, recipient: str) -> None:
        await self._deliveries.update_one(
            # Only the first acceptance is recorded: a repeat mark keeps the original time.
            {"_id": delivery_key(event_id, channel, recipient), "sent_at": None},
            {"$set": {"sent_at": utc_now()}},
        )
