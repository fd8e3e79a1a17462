"""No record can stop a consumer, on the genuine broker: whatever the bytes, each record is
dead-lettered with its reason, once, and the records after it are handled; a record whose handling
fails for a reason of its own is dead-lettered after three tries; a transient failure is waited
out, and a consumer that stops moving with records waiting says so (/ready, /metrics, the log)."""

from __future__ import annotations

import asyncio
import json
import time
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from devstack.kafka import ensure_topics
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from referral_contracts.codec import HEADER_DLQ_REASON
from service_kit.app import service_app
from service_kit.failures import Backoff
from service_kit.messaging import KafkaEventBus, new_broker, subscribe

from poison import POISON

pytestmark = pytest.mark.integration

class Ping(BaseModel):
    model_config = {"extra": "forbid"}
    n: int


class Harness:
    def __init__(self, kafka, topic: str) -> None:
        self.kafka, self.topic, self.handled = kafka, topic, []

    async def send(self, records: list[tuple[bytes, list[tuple[str, bytes]]]]) -> None:
        producer = AIOKafkaProducer(**self.kafka.client(), acks="all", max_request_size=2_000_000)
        await producer.start()
        try:
            for value, headers in records:
                await producer.send_and_wait(self.topic, value, key=b"same-partition", headers=headers)
        finally:
            await producer.stop()

    async def dead_letters(self, expected: int, timeout: float = 30) -> list:
        consumer = AIOKafkaConsumer(f"{self.topic}.dlq", **self.kafka.client(), auto_offset_reset="earliest",
                                    fetch_max_bytes=4_000_000, max_partition_fetch_bytes=4_000_000)
        await consumer.start()
        found: list = []
        try:
            deadline = time.monotonic() + timeout
            while len(found) < expected and time.monotonic() < deadline:
                for records in (await consumer.getmany(timeout_ms=300)).values():
                    found += records
        finally:
            await consumer.stop()
        return found


def new_topic(kafka) -> str:
    topic = f"test.faults.{uuid4().hex[:8]}"
    ensure_topics(kafka, [topic, f"{topic}.dlq"], partitions=1)
    return topic


async def consume(kafka, topic: str, handle, *, stall_seconds: float = 60, transient=()):
    broker = new_broker(kafka.bootstrap_servers, client_id="faults-test", security=kafka.security())
    bus = KafkaEventBus(broker, consumer_name="faults-test", stall_seconds=stall_seconds, transient=transient)
    subscribe(broker, bus, topic=topic, model=Ping, group_id=f"g-{uuid4().hex[:6]}", handle=handle,
              backoff=Backoff(first_seconds=0.05, max_seconds=0.2))
    return broker, bus


async def until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_every_known_poison_is_dead_lettered_once_and_the_consumer_goes_on(kafka) -> None:
    topic = new_topic(kafka)
    harness = Harness(kafka, topic)
    broker, _ = await consume(kafka, topic, lambda ping, _: _append(harness.handled, ping.n))
    await broker.start()
    try:
        records = [item for i, poison in enumerate(POISON) for item in (poison, (json.dumps({"n": i}).encode(), []))]
        await harness.send(records)
        await until(lambda: len(harness.handled) == len(POISON))
    finally:
        await broker.stop()
    assert harness.handled == list(range(len(POISON))), "each good record after a poison one was handled, in order"
    letters = await harness.dead_letters(len(POISON))
    assert [letter.value for letter in letters] == [value for value, _ in POISON]
    assert all(dict(letter.headers)[HEADER_DLQ_REASON] for letter in letters)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.binary(max_size=400), min_size=1, max_size=5))
def test_any_bytes_are_dead_lettered_or_handled_and_never_stop_the_consumer(kafka, values) -> None:
    asyncio.run(_any_bytes(kafka, values))


async def _any_bytes(kafka, values: list[bytes]) -> None:
    topic = new_topic(kafka)
    harness = Harness(kafka, topic)
    broker, _ = await consume(kafka, topic, lambda ping, _: _append(harness.handled, ping.n))
    await broker.start()
    try:
        await harness.send([(v, []) for v in values] + [(b'{"n": -1}', [])])
        await until(lambda: -1 in harness.handled)
    finally:
        await broker.stop()
    readable = [v for v in values if _is_ping(v)]
    assert len(harness.handled) == len(readable) + 1
    assert len(await harness.dead_letters(len(values) - len(readable), timeout=10)) == len(values) - len(readable)


async def test_a_record_whose_handling_fails_for_a_reason_of_its_own_is_dead_lettered_after_three_tries(kafka) -> None:
    topic = new_topic(kafka)
    harness, attempts = Harness(kafka, topic), []

    async def handle(ping: Ping, _) -> None:
        attempts.append(ping.n)
        if ping.n == 13:
            raise KeyError("a value the domain cannot take")
        harness.handled.append(ping.n)

    broker, _ = await consume(kafka, topic, handle)
    await broker.start()
    try:
        await harness.send([(b'{"n": 12}', []), (b'{"n": 13}', []), (b'{"n": 14}', [])])
        await until(lambda: 14 in harness.handled)
    finally:
        await broker.stop()
    assert attempts.count(13) == 4, "once in its batch, then three times alone"
    assert harness.handled.count(14) >= 1 and 13 not in harness.handled
    [letter] = await harness.dead_letters(1)
    assert letter.value == b'{"n": 13}' and "KeyError" in dict(letter.headers)[HEADER_DLQ_REASON].decode()


async def test_a_consumer_stalled_with_records_waiting_fails_ready_naming_the_partition(kafka) -> None:
    topic = new_topic(kafka)
    store_up = asyncio.Event()

    async def handle(ping: Ping, _) -> None:
        if not store_up.is_set():
            raise ConnectionError("store down")  # transient: waited out, never dead-lettered

    broker, bus = await consume(kafka, topic, handle, stall_seconds=1.5)
    app = service_app(title="faults", broker=broker, consumers=bus.progress)
    async with app.router.lifespan_context(app), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await Harness(kafka, topic).send([(b'{"n": 1}', [])])
        await until(lambda: bus.progress.stalled != [], timeout=30)
        ready = await client.get("/ready")
        metrics = (await client.get("/metrics")).text
        store_up.set()
        await until(lambda: bus.progress.stalled == [], timeout=30)
        ready_again = await client.get("/ready")
    assert ready.status_code == 503
    [stalled] = ready.json()["consumers"]
    assert f"{topic}[0]" in stalled and "ConnectionError: store down" in stalled
    assert f'referral_consumer_stalled{{partition="0",topic="{topic}"}} 1.0' in metrics
    assert ready_again.status_code == 200 and ready_again.json()["consumers"] == "ok"
    assert await Harness(kafka, topic).dead_letters(0, timeout=1) == [], "a transient failure is never a dead letter"


async def _append(handled: list, n: int) -> None:
    handled.append(n)


def _is_ping(value: bytes) -> bool:
    try:
        Ping.model_validate_json(value)
        return True
    except Exception:  # noqa: BLE001
        return False
