"""Whatever arrives on a topic, no consumer crashes and nothing is lost: random bytes, truncated
events, wrong versions and wrong types, thrown at every consumer of the running services, each land
in `<topic>.dlq` with the reason and where they came from, once per consuming service."""

from __future__ import annotations

import asyncio
import json
import time
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from event_factories import closed, submitted
from referral_contracts import topics
from referral_contracts.codec import (
    HEADER_DLQ_CONSUMER,
    HEADER_DLQ_REASON,
    HEADER_DLQ_SOURCE_OFFSET,
    HEADER_DLQ_SOURCE_TOPIC,
    encode,
)

pytestmark = pytest.mark.e2e

CONSUMERS = {  # topic -> the services that consume it in a consumer group
    topics.referrals_inbound("gp-north"): {"intake"},
    topics.milestones_inbound("cmh-east"): {"tracking"},
    topics.REFERRAL_SUBMITTED: {"triage", "tracking"},
    topics.REFERRAL_TRIAGED: {"tracking", "notifier"},
    topics.REFERRAL_MILESTONES: {"tracking"},
    topics.REFERRAL_REROUTES: {"triage"},
    topics.REFERRAL_CLOSED: {"notifier"},
    topics.REFERRAL_ESCALATIONS: {"notifier"},
    topics.NOTIFICATION_OUTCOMES: {"tracking"},
}
VALID = [encode(submitted()), encode(closed())]


def _wrong(field: str, value: object):
    def change(raw: bytes) -> bytes:
        document = json.loads(raw)
        document[field] = value
        return json.dumps(document).encode()

    return change


bad_records = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(VALID).flatmap(lambda raw: st.integers(0, len(raw) - 1).map(lambda n: raw[:n])),  # truncated
    st.sampled_from(VALID).map(_wrong("schema_version", 99)),
    st.sampled_from(VALID).map(_wrong("event_type", "referral.vanished")),
    st.sampled_from(VALID).map(_wrong("data", {"unexpected": True})),
    st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=20), max_size=5).map(
        lambda d: json.dumps(d).encode()),
)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(records=st.lists(bad_records, min_size=len(CONSUMERS), max_size=len(CONSUMERS)))
def test_every_consumer_dead_letters_what_it_cannot_read_and_goes_on(
    running_services, kafka, records
) -> None:
    sent = {uuid4().hex.encode(): (topic, value) for topic, value in zip(CONSUMERS, records, strict=True)}
    asyncio.run(_publish(kafka.client(), sent))  # as the admin: bad records on every consumed topic
    letters = asyncio.run(_dead_letters(kafka.client(), sent))
    for key, (topic, value) in sent.items():
        consumers = {dict(r.headers)[HEADER_DLQ_CONSUMER].decode() for r in letters[key]}
        assert consumers == CONSUMERS[topic], (topic, value[:80])
        for letter in letters[key]:
            headers = {k: v.decode() for k, v in letter.headers}
            assert letter.value == value and headers[HEADER_DLQ_SOURCE_TOPIC] == topic
            assert headers[HEADER_DLQ_REASON] and int(headers[HEADER_DLQ_SOURCE_OFFSET]) >= 0
    for name, url in running_services.items():  # still up and reading
        assert httpx.get(f"{url}/ready", timeout=5).status_code == 200, name


async def _publish(client: dict, sent: dict[bytes, tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(**client, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, (topic, value) in sent.items():
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def _dead_letters(client: dict, sent: dict[bytes, tuple[str, bytes]], timeout: float = 60) -> dict:
    """Every dead letter for the sent keys, waiting until each has one per consuming service."""
    consumer = AIOKafkaConsumer(*{topics.dead_letter_topic(t) for t, _ in sent.values()}, **client,
                                auto_offset_reset="earliest", group_id=f"fuzz-{uuid4().hex[:8]}")
    found: dict[bytes, list] = {key: [] for key in sent}
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(len(found[k]) < len(CONSUMERS[t]) for k, (t, _) in sent.items()):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if record.key in found:
                        found[record.key].append(record)
    finally:
        await consumer.stop()
    return found
