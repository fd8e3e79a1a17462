"""Replay: after every scenario of the run, each store rebuilt from the Kafka log by its operator's
tool equals the live one: tracking's from the events it keeps, referral for referral; oversight's
projection and read models (roll-up cells, worklist, breach log) from `referral.changes.v1` alone,
document for document."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from devstack.paths import venv_script

from referral_contracts import topics
from tracking.lifecycle.mongo import MongoViews, connect
from tracking.replay.rebuild import REPLAYED_TOPICS

pytestmark = [pytest.mark.e2e, pytest.mark.after_the_scenarios]
PRODUCERS = ("notifier", "intake", "triage")  # stopped first: nothing new reaches tracking
OVERSIGHT_TOPICS = (topics.REFERRAL_CHANGES, topics.REFERRAL_FLAGS)


async def _lag(kafka, group: str, read: tuple[str, ...]) -> int:
    """Records on `read` that `group` has not committed yet (asked as the admin)."""
    admin = AIOKafkaAdminClient(**kafka.client())
    consumer = AIOKafkaConsumer(**kafka.client())
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        partitions = [tp for tp in committed if tp.topic in read]
        ends = await consumer.end_offsets(partitions) if partitions else {}
        return sum(ends[tp] - committed[tp].offset for tp in partitions)
    finally:
        await consumer.stop()
        await admin.close()


def _caught_up(kafka, group: str, read: tuple[str, ...], what: str) -> None:
    deadline = time.monotonic() + 60
    while asyncio.run(_lag(kafka, group, read)) > 0:
        assert time.monotonic() < deadline, f"{what} never caught up with its topics"
        time.sleep(0.5)


@contextmanager
def _quiet(stack, kafka) -> Iterator[None]:
    """Nothing new on any topic: the producers stopped, tracking caught up and stopped, and the
    read side caught up with everything tracking published; everything started again after."""
    for name in PRODUCERS:
        stack[name].process.stop()
    try:
        _caught_up(kafka, "tracking", REPLAYED_TOPICS, "tracking")
        time.sleep(2)  # a sweep in flight finishes (it publishes what it stores)
        stack["tracking"].process.stop()
        _caught_up(kafka, "oversight", OVERSIGHT_TOPICS, "oversight")
        yield
    finally:
        for name in ("tracking", *PRODUCERS):
            service = stack[name]
            service.process.start()
            service.process.wait_until(service.is_ready, 60, f"{name} /ready again")


def _rebuild(command: str, service: str, database: str, service_settings) -> None:
    env = {**os.environ, **service_settings.environment(0, service)}  # with the service's own login
    run = subprocess.run([str(venv_script(command)), "--database", database], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "rebuilt" in run.stderr  # the progress bar, then the count


async def _views(mongodb_url: str, database: str) -> dict:
    client = connect(mongodb_url)
    try:
        views = MongoViews(client[database])
        ids = [d["_id"] async for d in client[database]["referrals"].find({}, {"_id": 1})]
        return {referral_id: (await views.get(referral_id)).model_dump() for referral_id in ids}
    finally:
        await client.close()


READ_MODELS = ("rollups", "worklist", "breaches")  # kept with the projection, in its transaction


async def _projection(mongodb_url: str, database: str, collection: str = "referrals") -> dict:
    """Every document of one of oversight's collections; roll-up cells as their figures read them:
    a cell is moved by `$inc`, so a counter its referrals have left stays at 0 and a cell they have
    all left stays as zeros, and a rebuild, passing through fewer states than the live service did,
    leaves fewer of them; every reader takes 0 for absent (ReadModels.cells), so counters at 0 are
    left out and all-zero cells ignored."""
    client = connect(mongodb_url)
    try:
        found = {d["_id"]: d async for d in client[database][collection].find({})}
    finally:
        await client.close()
    if collection != "rollups":
        return found
    counting = {i: {**cell, "c": {k: n for k, n in cell["c"].items() if n}} for i, cell in found.items()}
    return {i: cell for i, cell in counting.items() if cell["c"]}


def test_the_store_rebuilt_from_the_log_equals_the_live_one(stack, service_settings, kafka, mongodb_url) -> None:
    with _quiet(stack, kafka):
        _rebuild("referral-tracking-replay", "tracking", "tracking_replayed", service_settings)
        live, rebuilt = asyncio.run(_views(mongodb_url, "tracking")), asyncio.run(_views(mongodb_url, "tracking_replayed"))
    assert len(live) > 20, "the scenarios left too little to compare"
    assert rebuilt.keys() == live.keys()
    differing = [referral_id for referral_id in live if rebuilt[referral_id] != live[referral_id]]
    assert differing == []


def test_oversights_projection_rebuilt_from_referral_changes_alone_equals_the_live_one(
    stack, service_settings, kafka, mongodb_url
) -> None:
    with _quiet(stack, kafka):
        _rebuild("referral-oversight-rebuild", "oversight", "oversight_rebuilt", service_settings)
        live = asyncio.run(_projection(mongodb_url, "oversight"))
        rebuilt = asyncio.run(_projection(mongodb_url, "oversight_rebuilt"))
        tracked = asyncio.run(_views(mongodb_url, "tracking"))
        models = {name: (asyncio.run(_projection(mongodb_url, "oversight", name)),
                         asyncio.run(_projection(mongodb_url, "oversight_rebuilt", name))) for name in READ_MODELS}
    assert len(live) > 20, "the scenarios left too little to compare"
    assert rebuilt.keys() == live.keys() == tracked.keys()  # every referral tracking holds, and no other
    assert [referral_id for referral_id in live if rebuilt[referral_id] != live[referral_id]] == []
    # The live projection holds each referral as tracking's fold last decided it.
    assert {r: d["version"] for r, d in live.items()} == {r: v["events_applied"] for r, v in tracked.items()}
    # The read models, kept batch by batch as states arrived, equal those built from the final states.
    assert models["rollups"][0] and models["worklist"][0], "the scenarios left no figures to compare"
    for name, (kept, built) in models.items():
        assert [cell for cell in kept.keys() | built.keys() if kept.get(cell) != built.get(cell)] == [], name
