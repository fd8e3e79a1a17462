"""The infrastructure itself: whatever tests/infra.py chose (local processes, containers or URLs
from the environment) must behave like the real thing the services rely on."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from devstack.kafka import ensure_topics
from devstack.kafka_access import KafkaAccess
from devstack.smtp_sink import SmtpSink
from pymongo import ASCENDING, AsyncMongoClient
from pymongo.errors import DuplicateKeyError
from referral_contracts.topics import ALL_TOPICS

pytestmark = pytest.mark.integration


async def test_broker_acknowledges_an_idempotent_acks_all_write_and_serves_it_back(
    kafka: KafkaAccess,
) -> None:
    # A topic of its own, so no service or other test ever sees this record (the admin's: no ACL
    # names it, and only a super user may use a topic no ACL names).
    topic = f"devstack.selftest.{uuid4().hex[:8]}"
    ensure_topics(kafka, [topic])
    producer = AIOKafkaProducer(**kafka.client(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b'{"hello": "kafka"}', key=b"referral-1")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(**kafka.client(), enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(topic, sent.partition)
        consumer.assign([partition])
        consumer.seek(partition, sent.offset)
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"referral-1", b'{"hello": "kafka"}')


async def test_every_contract_topic_exists_with_three_partitions(
    kafka: KafkaAccess,
) -> None:
    admin = AIOKafkaAdminClient(**kafka.client())
    await admin.start()
    try:
        assert set(ALL_TOPICS) <= set(await admin.list_topics())
        descriptions = await admin.describe_topics(list(ALL_TOPICS))
    finally:
        await admin.close()
    partitions = {d["topic"]: len(d["partitions"]) for d in descriptions}
    assert partitions == {topic: 3 for topic in ALL_TOPICS}


async def test_store_round_trips_a_document_and_enforces_a_unique_index(mongodb_url: str) -> None:
    client: AsyncMongoClient = AsyncMongoClient(mongodb_url, serverSelectionTimeoutMS=5000)
    database = client[f"devstack_selftest_{uuid4().hex[:8]}"]
    try:
        events = database["events"]
        await events.create_index([("event_id", ASCENDING)], unique=True)
        document = {"event_id": "e-1", "referral_id": "r-1", "milestones": ["submitted"]}
        await events.insert_one(dict(document))
        stored = await events.find_one({"event_id": "e-1"}, {"_id": False})
        assert stored == document
        with pytest.raises(DuplicateKeyError):
            await events.insert_one({"event_id": "e-1", "referral_id": "r-2"})
        assert await events.count_documents({}) == 1
    finally:
        await client.drop_database(database.name)
        await client.close()


def test_smtp_sink_keeps_a_message_sent_with_smtplib(smtp_sink: SmtpSink) -> None:
    subject = f"Referral closed {uuid4().hex[:8]}"
    message = EmailMessage()
    message["From"] = "notifier@referrals.example"
    message["To"] = "gp-north@agencies.example"
    message["Subject"] = subject
    message.set_content("The referral has been closed.")
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as client:
        client.send_message(message)

    # The sink answers 250 only after the .eml file is in place, so it is there already.
    received = [m for m in smtp_sink.messages() if m["Subject"] == subject]
    assert len(received) == 1
    assert received[0]["X-RcptTo"] == "gp-north@agencies.example"
    assert received[0].get_content().strip() == "The referral has been closed."
