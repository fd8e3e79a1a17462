"""Tracking as its service layer sees it, on the real store: built by tracking's own composition
root (bootstrap.py) on a fresh database, publishing to a RecordingBus unless told otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from uuid import UUID, uuid4

from pymongo.asynchronous.database import AsyncDatabase

from referral_contracts import Event
from referral_contracts.policy import Policy, load_policy
from tracking.bootstrap import bootstrap, ensure_indexes
from tracking.lifecycle.model import ReferralView
from tracking.lifecycle.mongo import connect
from tracking.lifecycle.ports import Tracking

from recording_bus import RecordingBus

POLICY = load_policy(Path(__file__).resolve().parents[1] / "deploy" / "demo" / "policy.yaml")


@asynccontextmanager
async def fresh_database(mongodb_url: str) -> AsyncIterator[AsyncDatabase]:
    """A database of its own, dropped afterwards."""
    client = connect(mongodb_url)
    database = client[f"tracking_test_{uuid4().hex[:8]}"]
    try:
        yield database
    finally:
        await client.drop_database(database.name)
        await client.close()


async def tracking_in(database: AsyncDatabase, *, bus=None, policy: Policy = POLICY,
                      escalation_stored: Callable[[datetime], None] | None = None) -> Tracking:
    """Tracking on `database` as a replica of the service builds it, its indexes made."""
    tracking = bootstrap(database, bus=bus if bus is not None else RecordingBus(), policy=policy,
                         escalation_stored=escalation_stored)
    await ensure_indexes(tracking.stores)
    return tracking


@asynccontextmanager
async def tracking_on(mongodb_url: str, **options) -> AsyncIterator[Tracking]:
    """Tracking on a database of its own, dropped afterwards (options: those of `tracking_in`)."""
    async with fresh_database(mongodb_url) as database:
        yield await tracking_in(database, **options)


async def view_of(tracking: Tracking, referral_id: UUID) -> ReferralView | None:
    return await tracking.stores.views.get(referral_id)


async def log_of(tracking: Tracking, referral_id: UUID) -> list[Event]:
    return (await tracking.stores.log.of([referral_id]))[referral_id]
