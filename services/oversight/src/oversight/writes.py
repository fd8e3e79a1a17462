"""Writing inside the projection's transaction (decision 0011): a bulk write that must change
exactly the documents it read, or the transaction starts again."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, OperationFailure

DUPLICATE_KEY = 11000


def changed_meanwhile() -> OperationFailure:
    """Another writer changed what this transaction read (MongoDB says so itself with a write
    conflict): labelled as MongoDB labels that, so `with_transaction` runs the whole batch again."""
    return OperationFailure("a document changed while its batch was applied", code=112,
                            details={"errorLabels": ["TransientTransactionError"]})


async def exactly(collection: AsyncCollection, writes: list, session: AsyncClientSession) -> None:
    """Apply `writes` (inserts of new documents; replacements and deletions guarded by the version
    read) and insist each took: on any store, however it isolates transactions, a document another
    writer changed or inserted meanwhile starts the batch again instead of being overwritten."""
    if not writes:
        return
    try:
        done = await collection.bulk_write(writes, ordered=False, session=session)
    except BulkWriteError as error:
        if all(e.get("code") == DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
            raise changed_meanwhile() from error
        raise
    if done.inserted_count + done.matched_count + done.deleted_count != len(writes):
        raise changed_meanwhile()
