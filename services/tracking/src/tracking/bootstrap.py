"""Tracking's composition root: its stores on one MongoDB database, the bus, the policy. The
service (app.py), the rebuild (replay/), the benchmarks and the integration tests all build
tracking here, so each runs the same parts wired the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from referral_contracts import EventBase
from referral_contracts.policy import Policy
from service_kit.messaging import EventPublisher

from tracking.lifecycle.mongo import MongoEventLog, MongoLeases, MongoPersonServices, MongoPublished, MongoViews
from tracking.lifecycle.ports import Stores, Tracking
from tracking.persons.crisis_history import MongoCrisisHistory


def mongo_stores(database: AsyncDatabase) -> Stores:
    return Stores(log=MongoEventLog(database), views=MongoViews(database), published=MongoPublished(database),
                  leases=MongoLeases(database), person_services=MongoPersonServices(database),
                  crises=MongoCrisisHistory(database))


async def ensure_indexes(stores: Stores) -> None:
    for store in (stores.log, stores.views, stores.crises):
        await store.ensure_indexes()


def bootstrap(database: AsyncDatabase, *, bus: EventPublisher, policy: Policy,
              escalation_stored: Callable[[datetime], None] | None = None) -> Tracking:
    """Tracking on `database`, publishing on `bus`; `escalation_stored` hears each next escalation
    time as its view is stored (the deadline watcher)."""
    extra = {} if escalation_stored is None else {"escalation_stored": escalation_stored}
    return Tracking(stores=mongo_stores(database), bus=bus, policy=policy, **extra)


class NothingIsPublished:
    """The bus of a rebuild: what the log's referrals called for was said when they happened."""

    async def publish(self, topic: str, event: EventBase) -> None:
        raise RuntimeError(f"a rebuild publishes nothing, yet {event.event_type} was to go to {topic}")


def rebuilding(database: AsyncDatabase, *, policy: Policy) -> Tracking:
    """Tracking on a database being rebuilt from the log (replay/): it stores, never publishes."""
    return bootstrap(database, bus=NothingIsPublished(), policy=policy)
