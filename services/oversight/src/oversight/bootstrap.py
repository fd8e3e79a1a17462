"""The composition root: where oversight's parts are made and wired, once. The app, the rebuild
command, the tests and the benchmarks all start here, so a store or a rule is never wired twice."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from referral_contracts.policy import Policy

from .figures.store import FiguresStore
from .issues.store import IssueLog
from .quality.store import QualityStore
from .referrals.store import ReferralProjection


def connect(url: str) -> AsyncMongoClient:
    return AsyncMongoClient(url, uuidRepresentation="standard", tz_aware=True, serverSelectionTimeoutMS=10_000)


@dataclass(frozen=True)
class Oversight:
    projection: ReferralProjection
    figures: FiguresStore
    quality: QualityStore
    issues: IssueLog
    policy: Policy

    async def ensure_indexes(self) -> None:
        for store in (self.projection, self.quality, self.issues):
            await store.ensure_indexes()


def bootstrap(database: AsyncDatabase, policy: Policy) -> Oversight:
    """Every store on one database; the figures and the quality review read the projection."""
    projection = ReferralProjection(database)
    return Oversight(projection=projection, figures=FiguresStore(projection.referrals),
                     quality=QualityStore(database, projection.referrals), issues=IssueLog(database), policy=policy)
