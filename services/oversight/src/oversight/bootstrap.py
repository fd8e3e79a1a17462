"""The composition root: where oversight's parts are made and wired, once. The app, the rebuild
command, the tests and the benchmarks all start here, so a store or a rule is never wired twice."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from referral_contracts.policy import Policy

from .figures.readmodels import ReadModels
from .figures.store import FiguresStore
from .issues.store import IssueLog
from .quality.store import QualityStore
from .referrals.store import ReferralProjection


def connect(url: str) -> AsyncMongoClient:
    return AsyncMongoClient(url, uuidRepresentation="standard", tz_aware=True, serverSelectionTimeoutMS=10_000)


class NoTransactions(RuntimeError):
    """The projection and its read models are written in one transaction (decision 0011)."""


async def transactions_supported(database: AsyncDatabase) -> None:
    """Refuse to start on a MongoDB without multi-document transactions (a standalone mongod):
    a replica set (one member will do) or a sharded cluster has them, as SecantusDB does."""
    hello = await database.client.admin.command("hello")
    if not hello.get("setName") and hello.get("msg") != "isdbgrid":
        raise NoTransactions("oversight needs a MongoDB replica set or sharded cluster: it writes the projection "
                             "and its read models in one transaction (docs/decisions/0011)")


@dataclass(frozen=True)
class Oversight:
    projection: ReferralProjection
    read_models: ReadModels
    figures: FiguresStore
    quality: QualityStore
    issues: IssueLog
    policy: Policy

    async def ensure_indexes(self) -> None:
        await transactions_supported(self.projection.referrals.database)
        for store in (self.projection, self.read_models, self.quality, self.issues):
            await store.ensure_indexes()


def bootstrap(database: AsyncDatabase, policy: Policy) -> Oversight:
    """Every store on one database: the read models follow the projection (written in its
    transaction), the figures read them, the quality review reads the projection."""
    projection = ReferralProjection(database)
    read_models = ReadModels(database, projection.referrals)
    projection.followers.append(read_models)
    return Oversight(projection=projection, read_models=read_models, figures=FiguresStore(read_models),
                     quality=QualityStore(database, projection.referrals), issues=IssueLog(database), policy=policy)
