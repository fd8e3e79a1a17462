"""A record whose handling fails (the store down) is retried with backoff and never skipped: on the
real broker, the next record waits for it."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
from devstack.kafka import ensure_topics
from pydantic import BaseModel

from service_kit.messaging import Backoff, KafkaEventBus, new_broker, subscribe

pytestmark = pytest.mark.integration


class Ping(BaseModel):
    n: int


async def test_a_failing_record_is_retried_until_it_succeeds_and_the_next_one_waits(kafka) -> None:
    topic = f"test.retries.{uuid4().hex[:8]}"
    ensure_topics(kafka, [topic, f"{topic}.dlq"], partitions=1)
    broker = new_broker(kafka.bootstrap_servers, client_id="retry-test", security=kafka.security())
    bus = KafkaEventBus(broker, consumer_name="retry-test")
    handled: list[int] = []
    outage = {"left": 2}  # the first two attempts at record 1 find the store down
    done = asyncio.Event()

    async def handle(ping: Ping, _) -> None:
        handled.append(ping.n)
        if ping.n == 1 and outage["left"]:
            outage["left"] -= 1
            raise ConnectionError("store down")
        if ping.n == 2:
            done.set()

    subscribe(broker, bus, topic=topic, model=Ping, group_id=f"g-{uuid4().hex[:6]}", handle=handle,
              backoff=Backoff(first_seconds=0.05, max_seconds=0.2))
    await broker.start()
    try:
        for n in (1, 2):
            await broker.publish(Ping(n=n).model_dump_json().encode(), topic=topic, key=b"same-referral")
        await asyncio.wait_for(done.wait(), timeout=60)
    finally:
        await broker.stop()
    assert handled == [1, 1, 1, 2]
