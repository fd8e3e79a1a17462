"""The notifier's subscription to referral.closed.v1, with FastStream's in-memory test broker."""

from __future__ import annotations

import json

import pytest
from faststream.kafka import TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from notifier.entrypoints.event_topics import register_subscribers
from referral_contracts import topics
from referral_contracts.codec import HEADER_DLQ_REASON, HEADER_DLQ_SOURCE_TOPIC, encode, event_headers, event_key
from service_kit.messaging import KafkaEventBus, new_broker

from event_factories import closed

DEAD_LETTERS = "referral.closed.v1.dlq"


@pytest.fixture
def notifier(channels):
    """The subscription wired to the fakes; records what reaches the dead-letter topic."""
    broker = new_broker("127.0.0.1:9092", client_id="notifier-test")
    bus = KafkaEventBus(broker, consumer_name="notifier")
    register_subscribers(broker, bus, channels)
    dead: list = []

    @broker.subscriber(DEAD_LETTERS, group_id="test-observer")
    def record(message: KafkaMessage) -> None:
        dead.append(message)

    return broker, dead


async def publish(broker, event) -> None:
    await broker.publish(encode(event), topic=topics.REFERRAL_CLOSED, key=event_key(event), headers=event_headers(event))


async def test_a_closure_emails_the_originating_agencys_referral_contact(notifier, sender) -> None:
    broker, dead = notifier
    event = closed(client_reference="GPN-2026-0007")
    async with TestKafkaBroker(broker) as test_broker:
        await publish(test_broker, event)
    [email] = sender.messages
    assert email["To"] == "referrals@gp-north.example"
    assert "GPN-2026-0007" in email["Subject"]
    assert email["Message-ID"].startswith(f"<{event.event_id}.email.")
    assert dead == []


async def test_the_same_record_delivered_twice_sends_one_email(notifier, sender) -> None:
    broker, _ = notifier
    event = closed()
    async with TestKafkaBroker(broker) as test_broker:
        await publish(test_broker, event)
        await publish(test_broker, event)
    assert sender.recipients() == ["referrals@gp-north.example"]


async def test_a_malformed_record_is_dead_lettered(notifier, sender) -> None:
    broker, dead = notifier
    bad = json.dumps({"event_type": "referral.closed", "data": {"outcome": "vanished"}}).encode()
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(bad, topic=topics.REFERRAL_CLOSED, key=b"k")
    [letter] = dead
    assert letter.body == bad and letter.raw_message.key == b"k"
    assert letter.headers[HEADER_DLQ_SOURCE_TOPIC] == topics.REFERRAL_CLOSED
    assert sender.messages == []


async def test_a_closure_for_an_agency_nobody_can_reach_is_dead_lettered_not_retried_forever(notifier, sender) -> None:
    broker, dead = notifier
    event = closed(source="gp-nowhere")
    async with TestKafkaBroker(broker) as test_broker:
        await publish(test_broker, event)
    [letter] = dead
    assert "gp-nowhere" in letter.headers[HEADER_DLQ_REASON]
    assert letter.raw_message.key == event_key(event)
    assert sender.messages == []
