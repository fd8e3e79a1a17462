"""The agency edge of the four running services, on the genuine broker with SASL and ACLs on:
poison on any consumed topic stops no consumer (the next agency's referral is still handled, every
/ready stays green); one record per event on every topic when HTTP requests race the topic path;
a sender finds its referral by its own reference."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from devstack.keys import OVERSIGHT
from referral_contracts import topics

from factories import referral_payload
from poison import POISON
from polling import eventually
from referral_driver import Loop, actor

pytestmark = pytest.mark.e2e
CONSUMED = [topics.referrals_inbound("gp-north"), topics.milestones_inbound("cmh-east"), topics.REFERRAL_SUBMITTED,
            topics.REFERRAL_TRIAGED, topics.REFERRAL_MILESTONES, topics.REFERRAL_REROUTES, topics.REFERRAL_CLOSED,
            topics.REFERRAL_ESCALATIONS, topics.NOTIFICATION_OUTCOMES]


def test_poison_on_every_consumed_topic_stops_no_consumer(running_services, kafka, api_keys) -> None:
    asyncio.run(_produce(kafka.client(), [(topic, value, headers) for topic in CONSUMED for value, headers in POISON]))
    # Then a good referral on another agency's topic, by that agency's own login: it must get through.
    reference = f"AFTER-POISON-{uuid4().hex[:8]}"
    payload = referral_payload(client_reference=reference, source_agency_id="ed-central",
                               person={**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:10]}"})
    asyncio.run(_produce(kafka.client("ed-central"), [(topics.referrals_inbound("ed-central"),
                                                       json.dumps(payload).encode(), [])]))
    found = eventually(lambda: _triaged(running_services["tracking"], api_keys.headers("ed-central"), reference),
                       "the referral sent after the poison to be triaged", timeout=60)
    assert found["source_agency_id"] == "ed-central"
    for name, url in running_services.items():
        ready = httpx.get(f"{url}/ready", timeout=5)
        assert ready.status_code == 200 and ready.json()["consumers"] == "ok", (name, ready.text)
        stalled = re.findall(r"^referral_consumer_stalled\{.*\} 1\.0$", httpx.get(f"{url}/metrics").text, re.M)
        assert stalled == [], (name, stalled)
    dead = asyncio.run(_count_dead_letters(kafka.client(), CONSUMED))
    assert all(dead[topic] >= len(POISON) for topic in CONSUMED), dead


def test_a_milestone_id_repeated_by_racing_requests_is_created_once(running_services, api_keys) -> None:
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    loop.accept()
    body = {"kind": "contact_attempted", "milestone_id": str(uuid4()), "attempt_number": 1, "outcome": "reached",
            "channel": "phone", "actor": actor("cmh-east")}
    url = f"{loop.tracking}/v1/referrals/{loop.id}/milestones"
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: httpx.post(url, json=body, headers=api_keys.headers("cmh-east"), timeout=30),
                                range(6)))
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201], [a.text for a in answers]


def test_closures_through_http_milestones_are_published_once_each(running_services, kafka, api_keys) -> None:
    loops = [Loop(running_services, api_keys) for _ in range(8)]
    for loop in loops:
        loop.wait_for("assigned")
        loop.accept()
        loop.record("contact_attempted", attempt_number=1, outcome="reached", channel="phone")
    with ThreadPoolExecutor(8) as pool:  # the subscription gets each milestone back while its request runs
        list(pool.map(lambda loop: loop.record("engaged"), loops))
    for loop in loops:
        loop.wait_for("closed")
    ids = {loop.id for loop in loops}
    closures = asyncio.run(_keys_on(kafka.client(), topics.REFERRAL_CLOSED, ids))
    assert closures == Counter({referral_id: 1 for referral_id in ids})
    sender_heard = asyncio.run(_keys_on(kafka.client(), topics.referrals_outbound("gp-north"), ids))
    assert all(n >= 4 for n in sender_heard.values()) and len(sender_heard) == len(ids)


def test_a_sender_finds_its_referral_by_its_own_reference(running_services, api_keys) -> None:
    loop = Loop(running_services, api_keys)
    tracking = running_services["tracking"]
    found = eventually(lambda: _by_reference(tracking, api_keys.headers("gp-north"), loop.reference), "the referral")
    assert found["referral_id"] == loop.id
    other = httpx.get(f"{tracking}/v1/referrals", params={"client_reference": loop.reference},
                      headers=api_keys.headers("ed-central"))
    assert other.status_code == 404, "another agency's reference names its own (unknown) referral"
    named = httpx.get(f"{tracking}/v1/referrals", params={"client_reference": loop.reference,
                                                          "source_agency_id": "gp-north"},
                      headers=api_keys.headers(OVERSIGHT))
    assert named.status_code == 200 and named.json()["referral_id"] == loop.id


def _by_reference(tracking: str, headers: dict, reference: str) -> dict | None:
    response = httpx.get(f"{tracking}/v1/referrals", params={"client_reference": reference}, headers=headers)
    return response.json() if response.status_code == 200 else None


def _triaged(tracking: str, headers: dict, reference: str) -> dict | None:
    found = _by_reference(tracking, headers, reference)
    return found if found and found["state"] not in ("submitted",) else None


async def _produce(client: dict, records: list[tuple[str, bytes, list]]) -> None:
    producer = AIOKafkaProducer(**client, acks="all", max_request_size=2_000_000)
    await producer.start()
    try:
        for topic, value, headers in records:
            await producer.send_and_wait(topic, value, key=uuid4().hex.encode(), headers=headers)
    finally:
        await producer.stop()


async def _count_dead_letters(client: dict, consumed: list[str]) -> Counter:
    """Dead letters per source topic, read from the start (as the platform's admin)."""
    found: Counter = Counter()
    for topic in consumed:
        found[topic] = sum((await _keys_on(client, topics.dead_letter_topic(topic), None)).values())
    return found


async def _keys_on(client: dict, topic: str, wanted: set[str] | None) -> Counter:
    """How many records on `topic` have each key (only `wanted` keys, if given), read to its end."""
    admin = AIOKafkaAdminClient(**client)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    consumer = AIOKafkaConsumer(**client, enable_auto_commit=False, fetch_max_bytes=8_000_000,
                                max_partition_fetch_bytes=4_000_000)
    await consumer.start()
    counts: Counter = Counter()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    key = (record.key or b"").decode(errors="replace")
                    if wanted is None or key in wanted:
                        counts[key] += 1
    finally:
        await consumer.stop()
    return counts
