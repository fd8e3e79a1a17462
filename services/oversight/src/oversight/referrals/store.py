"""MongoDB storage of the projection: one document per referral (collection `referrals`), its latest
`referral.changed` state with the referral id and what it contributes to the roll-ups (`rollup`,
figures/contribution.py). A batch is applied in one transaction with the read models that follow it
(decision 0011): the newer states are written, each with its contribution, and the read models move
by the difference, or nothing is; an older or repeated version changes nothing, so a batch applied
twice, or again after a crash, counts once. A batch reads its documents in lots, then writes them in
one bulk write."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from pymongo import ASCENDING, InsertOne, ReplaceOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from referral_contracts.changes import ReferralState

from ..figures.contribution import rollup
from ..transaction import by_ids, exactly
from .models import Referral

COLLECTION = "referrals"
# Oversight filters by period, agency, tier and state, always with the period (figures/rules.selections).
FILTERED = ("source_agency_id", "lead_agency_id", "tier", "state")
KEPT_APART = ("_id", "rollup")  # stored beside the state, not part of it
# Each referral a batch changed: its stored document before (None: new; the fields `reads` names)
# and its new one.
Changed = list[tuple[dict[str, Any] | None, dict[str, Any]]]


class Follower(Protocol):
    """A read model kept from the projection's changes, inside its transaction."""

    reads: dict[str, int]  # the fields of a referral's stored document it needs from before a change

    async def follow(self, changed: Changed, session: AsyncClientSession) -> None: ...


def document(referral_id: UUID, state: ReferralState) -> dict[str, Any]:
    """The stored form: the state's fields as BSON (dates, UUIDs) beside the referral's id, and
    what the referral contributes to the roll-ups."""
    stored = {"_id": referral_id, "referral_id": referral_id, **state.model_dump()}
    return stored | {"rollup": rollup(stored)}


def referral_of(stored: dict[str, Any]) -> Referral:
    return Referral.model_validate({k: v for k, v in stored.items() if k not in KEPT_APART})


class ReferralProjection:
    def __init__(self, database: AsyncDatabase) -> None:
        self.referrals: AsyncCollection = database[COLLECTION]
        self.followers: list[Follower] = []

    async def ensure_indexes(self) -> None:
        await self.referrals.create_index([("submitted_at", ASCENDING)])
        for field in FILTERED:
            await self.referrals.create_index([(field, ASCENDING), ("submitted_at", ASCENDING)])

    async def keep(self, states: dict[UUID, ReferralState]) -> None:
        """Store each referral's state unless a version at least as new is there, and move the read
        models with it, in one transaction (retried whole on a write conflict with another writer)."""
        if not states:
            return
        async with self.referrals.database.client.start_session() as session:
            await session.with_transaction(lambda s: self._apply(states, s))

    def _reads(self) -> dict[str, int]:
        """What is read of a stored document before it changes: its version and contribution, and
        what the followers compare (the worklist entry, the breaches)."""
        reads = {"version": 1, "rollup": 1}
        for follower in self.followers:
            reads |= follower.reads
        return reads

    async def _apply(self, states: dict[UUID, ReferralState], session: AsyncClientSession) -> None:
        changed = await self._newer(states, session)
        for follower in self.followers if changed else []:
            await follower.follow(changed, session)

    async def _newer(self, states: dict[UUID, ReferralState], session: AsyncClientSession) -> Changed:
        """The referrals read in lots, the newer states written in one bulk write, each guarded by the
        version read (transaction.exactly). Even for one referral a read and a write, not a
        `find_one_and_replace`: SecantusDB answers every findAndModify with a scan of the whole
        collection under its lock (100 ms a call at 20,000 documents, linear), and this one holds every
        referral ever."""
        stored = await by_ids(self.referrals, list(states), session, self._reads())
        writes, changed = [], []
        for referral_id, state in states.items():
            before = stored.get(referral_id)
            if before is not None and before["version"] >= state.version:
                continue
            after = document(referral_id, state)
            writes.append(InsertOne(after) if before is None else
                          ReplaceOne({"_id": referral_id, "version": before["version"]}, after))
            changed.append((before, after))
        await exactly(self.referrals, writes, session)
        return changed

    async def referral(self, referral_id: UUID, match: dict[str, Any]) -> Referral | None:
        """The referral, if `match` (the caller's scope, figures/rules.matching) chooses it."""
        found = await self.referrals.find_one({"$and": [{"_id": referral_id}, match]})
        return referral_of(found) if found else None
