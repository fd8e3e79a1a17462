"""The local three-node Kafka cluster (devstack.kafka_cluster): it forms, every platform topic keeps
three in-sync copies with the contracts' safety settings, and writes at acks=all with idempotence
(as every service writes) survive the kill -9 of the broker leading the partition: each acknowledged
record is there afterwards, once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from devstack.kafka_access import ADMIN
from devstack.kafka_cluster import LocalKafkaCluster, start_kafka_cluster
from referral_contracts import topics

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafkaCluster]:
    started = start_kafka_cluster(Path(tmp_path_factory.mktemp("cluster")))
    try:
        yield started
    finally:
        started.stop()


def test_three_nodes_form_a_cluster_and_every_topic_keeps_three_in_sync_copies(cluster: LocalKafkaCluster) -> None:
    described = cluster.describe()
    assert {topic for topic, _ in described} >= set(topics.ALL_TOPICS)
    assert {partition for topic, partition in described if topic == topics.REFERRAL_SUBMITTED} == set(range(6))
    assert all(isr == [1, 2, 3] for _, isr in described.values()), cluster.under_replicated()
    assert {leader for leader, _ in described.values()} == {1, 2, 3}  # leadership is spread


async def test_topics_refuse_a_write_with_one_copy_and_never_elect_a_stale_leader(cluster: LocalKafkaCluster) -> None:
    admin = AIOKafkaAdminClient(**cluster.access.client(ADMIN))
    await admin.start()
    try:
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topics.REFERRAL_SUBMITTED)])
    finally:
        await admin.close()
    configs = {entry[0]: entry[1] for resource in response.resources for entry in resource[4]}
    assert configs["min.insync.replicas"] == "2"
    assert configs["unclean.leader.election.enable"] == "false"
    assert configs["retention.ms"] == "-1"  # the contracts' retention, beside the replication settings


async def test_acknowledged_writes_survive_the_leaders_kill_9_once_each(cluster: LocalKafkaCluster) -> None:
    topic = topics.REFERRAL_SUBMITTED
    leader = cluster.leaders([topic])[(topic, 0)]
    producer = AIOKafkaProducer(**cluster.access.client(ADMIN), acks="all", enable_idempotence=True,
                                request_timeout_ms=30000)
    await producer.start()
    acknowledged: list[bytes] = []
    try:
        for n in range(300):
            if n == 100:  # mid-stream, the broker leading partition 0 dies without a goodbye
                await asyncio.to_thread(cluster.kill, leader)
            value = f"record-{n}".encode()
            await producer.send_and_wait(topic, value, partition=0)
            acknowledged.append(value)
    finally:
        await producer.stop()
    assert cluster.leaders([topic])[(topic, 0)] != leader  # another copy took over
    await asyncio.to_thread(cluster.restart, leader)  # waits until every partition is in sync again

    consumer = AIOKafkaConsumer(**cluster.access.client(ADMIN), enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        end = (await consumer.end_offsets([partition]))[partition]
        stored: list[bytes] = []
        while len(stored) < end:
            batch = await consumer.getmany(partition, timeout_ms=2000)
            stored += [record.value for record in batch.get(partition, [])]
    finally:
        await consumer.stop()
    mine = [value for value in stored if value.startswith(b"record-")]
    assert mine == acknowledged  # all of them, in order, none written twice by a producer retry
