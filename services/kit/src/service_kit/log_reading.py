"""Reading topics from their start to their end as they are now, with no consumer group: how a
read-side store is rebuilt from the Kafka log (tracking's replay, oversight's rebuild)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

Progress = Callable[[int, int], None]  # (records read so far, records to read)
FETCH = 1000  # records a fetch hands over at most: the reader writes each fetch in one bulk write


async def read_to_end(bootstrap_servers: str, topic_names: Iterable[str], *, security_kwargs: dict | None = None,
                      progress: Progress = lambda done, total: None) -> AsyncIterator[list[bytes | None]]:
    """Every record's value on the topics, fetch by fetch, up to each partition's end offset when
    reading began; `progress` hears how many records of how many were read."""
    security = security_kwargs or {}
    partitions = await _partitions(bootstrap_servers, list(topic_names), security)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False, **security)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        starts, ends = await consumer.beginning_offsets(partitions), await consumer.end_offsets(partitions)
        total, read = sum(ends[tp] - starts[tp] for tp in partitions), 0
        pending = {tp for tp in partitions if ends[tp] > starts[tp]}
        progress(0, total)
        while pending:
            fetched = await consumer.getmany(*pending, timeout_ms=1000, max_records=FETCH)
            values = [record.value for batch in fetched.values() for record in batch]
            # By position, not by the last record's offset: compaction leaves gaps in the offsets.
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
            read += len(values)
            yield values
            progress(read, total)
    finally:
        await consumer.stop()


async def _partitions(bootstrap_servers: str, topic_names: list[str], security: dict) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **security)
    await admin.start()
    try:
        described = await admin.describe_topics(topic_names)
    finally:
        await admin.close()
    return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
