"""Replay: after every scenario of the run, tracking's store rebuilt from the Kafka log by the
operator's tool equals the live store, referral for referral."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from devstack.paths import venv_script

from tracking.adapters.referral_store import MongoReferralStore, connect
from tracking.service_layer.replay import REPLAYED_TOPICS

pytestmark = [pytest.mark.e2e, pytest.mark.after_the_scenarios]
PRODUCERS = ("notifier", "intake", "triage")  # stopped first: nothing new reaches tracking


async def _tracking_lag(kafka) -> int:
    """Records on tracking's topics its consumer group has not committed yet (asked as the admin)."""
    admin = AIOKafkaAdminClient(**kafka.client())
    consumer = AIOKafkaConsumer(**kafka.client())
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets("tracking")
        partitions = [tp for tp in committed if tp.topic in REPLAYED_TOPICS]
        ends = await consumer.end_offsets(partitions) if partitions else {}
        return sum(ends[tp] - committed[tp].offset for tp in partitions)
    finally:
        await consumer.stop()
        await admin.close()


def _quiesce(stack, kafka) -> None:
    for name in PRODUCERS:
        stack[name].process.stop()
    deadline = time.monotonic() + 60
    while asyncio.run(_tracking_lag(kafka)) > 0:
        assert time.monotonic() < deadline, "tracking never caught up with its topics"
        time.sleep(0.5)
    time.sleep(2)  # a sweep in flight finishes (it publishes what it stores)
    stack["tracking"].process.stop()


def _restart(stack) -> None:
    for name in ("tracking", *PRODUCERS):
        service = stack[name]
        service.process.start()
        service.process.wait_until(service.is_ready, 60, f"{name} /ready again")


async def _views(mongodb_url: str, database: str) -> dict:
    client = connect(mongodb_url)
    try:
        store = MongoReferralStore(client[database])
        ids = [d["_id"] async for d in client[database]["referrals"].find({}, {"_id": 1})]
        return {referral_id: (await store.view(referral_id)).model_dump() for referral_id in ids}
    finally:
        await client.close()


def test_the_store_rebuilt_from_the_log_equals_the_live_one(stack, service_settings, kafka, mongodb_url) -> None:
    _quiesce(stack, kafka)
    try:
        env = {**os.environ, **service_settings.environment(0, "tracking")}  # replays with tracking's own login
        run = subprocess.run([str(venv_script("referral-tracking-replay")), "--database", "tracking_replayed"],
                             env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        assert "rebuilt" in run.stderr and "replaying the log" in run.stderr  # the progress bar and the count
        live, rebuilt = asyncio.run(_views(mongodb_url, "tracking")), asyncio.run(_views(mongodb_url, "tracking_replayed"))
    finally:
        _restart(stack)
    assert len(live) > 20, "the scenarios left too little to compare"
    assert rebuilt.keys() == live.keys()
    differing = [referral_id for referral_id in live if rebuilt[referral_id] != live[referral_id]]
    assert differing == []
