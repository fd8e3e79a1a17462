"""The broker enforces who is who: on the genuine broker with SASL/SCRAM and the ACLs generated from
the topology table, an agency's system (here gp-north, with confluent-kafka as an agency would use
it) writes only its own inbound topics and reads only its own outbound topic with groups of its
own; a wrong password is refused at login; a service may write only what it publishes."""

from __future__ import annotations

import time
from dataclasses import replace
from uuid import uuid4

import pytest
from confluent_kafka import Consumer, KafkaError, Message, Producer
from devstack.kafka_access import KafkaAccess

from referral_contracts import topics

from kafka_probes import QUIET, login_refused, produce, refusal

pytestmark = pytest.mark.integration
AGENCY = "gp-north"


def consume(config: dict, topic: str, group: str, key: bytes | None = None, timeout: float = 30) -> Message | KafkaError:
    """The record with `key` read from `topic` in consumer group `group`, committed; or the first
    error Kafka answers with."""
    consumer = Consumer(config | QUIET | {"group.id": group, "auto.offset.reset": "earliest",
                                          "enable.auto.commit": False})
    consumer.subscribe([topic])
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error():
                return message.error()
            if message.key() == key:
                consumer.commit(message, asynchronous=False)  # the group's offset is the agency's own
                return message
        raise AssertionError(f"nothing from {topic} within {timeout}s")
    finally:
        consumer.close()


def test_an_agency_writes_its_own_inbound_topics_and_reads_its_outbound_topic_in_its_own_group(
    kafka: KafkaAccess,
) -> None:
    agency = kafka.confluent(AGENCY)
    assert produce(agency, topics.referrals_inbound(AGENCY)) is None
    assert produce(agency, topics.milestones_inbound(AGENCY)) is None
    marker = uuid4().bytes
    told = Producer(kafka.confluent() | QUIET)  # the platform (here its admin) writes the agency's outbound topic
    told.produce(topics.referrals_outbound(AGENCY), b"{}", key=marker)
    assert told.flush(30) == 0
    read = consume(agency, topics.referrals_outbound(AGENCY), f"{AGENCY}.receipts-{uuid4().hex[:6]}", key=marker)
    assert isinstance(read, Message) and read.key() == marker, read


def test_an_agency_may_not_write_as_another_agency_nor_as_the_platform(kafka: KafkaAccess) -> None:
    agency = kafka.confluent(AGENCY)
    for topic in (topics.referrals_inbound("cmh-east"), topics.milestones_inbound("cmh-east"),
                  topics.REFERRAL_SUBMITTED, topics.referrals_outbound(AGENCY)):
        assert refusal(produce(agency, topic)) == KafkaError.TOPIC_AUTHORIZATION_FAILED, topic


def test_an_agency_may_not_read_the_platforms_topics_nor_another_agencys(kafka: KafkaAccess) -> None:
    agency = kafka.confluent(AGENCY)
    for topic in (topics.REFERRAL_CLOSED, topics.referrals_outbound("cmh-east"), topics.referrals_inbound(AGENCY)):
        outcome = consume(agency, topic, f"{AGENCY}.reader-{uuid4().hex[:6]}")
        assert refusal(outcome) == KafkaError.TOPIC_AUTHORIZATION_FAILED, topic


def test_an_agency_joins_only_groups_that_start_with_its_id_and_a_dot(kafka: KafkaAccess) -> None:
    agency = kafka.confluent(AGENCY)
    for group in ("cmh-east.receipts", "intake", f"{AGENCY}-receipts"):  # the last: no dot after the id
        outcome = consume(agency, topics.referrals_outbound(AGENCY), group)
        assert refusal(outcome) == KafkaError.GROUP_AUTHORIZATION_FAILED, group


def test_a_wrong_password_is_refused_at_login(kafka: KafkaAccess) -> None:
    wrong = replace(kafka.login(AGENCY), password="not-" + kafka.passwords[AGENCY])
    assert login_refused(wrong.confluent(), topics.referrals_inbound(AGENCY))


def test_a_service_writes_what_it_publishes_and_nothing_else(kafka: KafkaAccess) -> None:
    notifier = kafka.confluent("notifier")
    assert produce(notifier, topics.NOTIFICATION_OUTCOMES) is None
    for topic in (topics.REFERRAL_SUBMITTED, topics.REFERRAL_CLOSED, topics.referrals_inbound(AGENCY)):
        assert refusal(produce(notifier, topic)) == KafkaError.TOPIC_AUTHORIZATION_FAILED, topic
