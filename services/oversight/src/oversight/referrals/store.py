"""MongoDB storage of the projection: one document per referral (collection `referrals`), its latest
`referral.changed` state with the referral id. Written in bulk, one write per consumer batch; a
document is replaced only by a newer version, so replicas, redeliveries and a rebuild racing on a
referral never leave an older state behind. The figures and the quality review read it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pymongo import ASCENDING, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from referral_contracts.changes import ReferralState

from .models import Referral

COLLECTION = "referrals"
DUPLICATE_KEY = 11000
# Oversight filters by period, agency, tier and state, always with the period (figures/rules.matching).
FILTERED = ("source_agency_id", "lead_agency_id", "tier", "state")


def document(referral_id: UUID, state: ReferralState) -> dict[str, Any]:
    """The stored form: the state's fields as BSON (dates, UUIDs) beside the referral's id."""
    return {"_id": referral_id, "referral_id": referral_id, **state.model_dump()}


def referral_of(stored: dict[str, Any]) -> Referral:
    return Referral.model_validate({k: v for k, v in stored.items() if k != "_id"})


class ReferralProjection:
    def __init__(self, database: AsyncDatabase) -> None:
        self.referrals: AsyncCollection = database[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self.referrals.create_index([("submitted_at", ASCENDING)])
        for field in FILTERED:
            await self.referrals.create_index([(field, ASCENDING), ("submitted_at", ASCENDING)])

    async def keep(self, states: dict[UUID, ReferralState]) -> None:
        """Store each referral's state in one bulk write, unless a version at least as new is there.
        The filter misses a newer stored state and the upsert then collides with its id: that
        collision is the "nothing to change" answer, not a failure."""
        if not states:
            return
        try:
            await self.referrals.bulk_write([
                ReplaceOne({"_id": referral_id, "version": {"$lt": state.version}}, document(referral_id, state),
                           upsert=True) for referral_id, state in states.items()], ordered=False)
        except BulkWriteError as error:
            if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                raise

    async def referral(self, referral_id: UUID, match: dict[str, Any]) -> Referral | None:
        """The referral, if `match` (the caller's scope, figures/rules.matching) chooses it."""
        found = await self.referrals.find_one({"$and": [{"_id": referral_id}, match]})
        return referral_of(found) if found else None
