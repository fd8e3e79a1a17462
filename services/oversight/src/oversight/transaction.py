"""Reading and writing inside the projection's transaction (decision 0011): documents read by id in
small lots, and bulk writes that start the transaction again when another writer got there first:
an insert or upsert meeting a document inserted meanwhile (a duplicate key), or a guarded write that
did not find the document it read."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, OperationFailure
from pymongo.results import BulkWriteResult

from service_kit.lots import lots

DUPLICATE_KEY = 11000


async def by_ids(collection: AsyncCollection, ids: list[Hashable], session: AsyncClientSession,
                 fields: dict[str, Any] | None = None) -> dict[Hashable, dict[str, Any]]:
    """The documents of `ids` that exist, by id."""
    found: dict[Hashable, dict[str, Any]] = {}
    for lot in lots(ids):  # the local store checks each document against the whole `$in` (service_kit.lots)
        async for document in collection.find({"_id": {"$in": lot}}, fields, session=session):
            found[document["_id"]] = document
    return found


def changed_meanwhile() -> OperationFailure:
    """Another writer changed what this transaction read (MongoDB says so itself with a write
    conflict): labelled as MongoDB labels that, so `with_transaction` runs the whole batch again."""
    return OperationFailure("a document changed while its batch was applied", code=112,
                            details={"errorLabels": ["TransientTransactionError"]})


async def bulk(collection: AsyncCollection, writes: list, session: AsyncClientSession) -> BulkWriteResult | None:
    """Apply `writes` in one command; a duplicate key (another writer inserted the document after
    this transaction looked, or two upserts of a new one raced) starts the batch again, where the
    second attempt finds the document and updates it."""
    if not writes:
        return None
    try:
        return await collection.bulk_write(writes, ordered=False, session=session)
    except BulkWriteError as error:
        if all(e.get("code") == DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
            raise changed_meanwhile() from error
        raise


async def exactly(collection: AsyncCollection, writes: list, session: AsyncClientSession) -> None:
    """Apply `writes` (inserts of new documents; replacements and deletions guarded by the version
    read) and insist each took: on any store, however it isolates transactions, a document another
    writer changed or inserted meanwhile starts the batch again instead of being overwritten."""
    done = await bulk(collection, writes, session)
    if done is not None and done.inserted_count + done.matched_count + done.deleted_count != len(writes):
        raise changed_meanwhile()
