"""Rebuild the projection from `referral.changes.v1` alone: the topic is compacted and kept for good,
so it holds at least the latest state of every referral (the records compaction has not reached
yet too, which the version guard drops). Read from its start to its end as it is now, with no
consumer group, in bulk writes."""

from __future__ import annotations

from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from referral_contracts import topics
from referral_contracts.changes import ReferralChanged
from referral_contracts.codec import Rejected, decode

from .service import project
from .store import ReferralProjection

Progress = Callable[[int, int], None]  # (records read so far, records to read)
FETCH = 1000


async def rebuild(bootstrap_servers: str, projection: ReferralProjection, *, progress: Progress = lambda done, total: None,
                  security_kwargs: dict | None = None) -> dict[str, int]:
    """Project every readable record of the topic; returns counts (records, referrals, skipped:
    records that are no `referral.changed`, e.g. a tombstone)."""
    security = security_kwargs or {}
    await projection.ensure_indexes()
    partitions = await _partitions(bootstrap_servers, security)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False, **security)
    await consumer.start()
    records = skipped = 0
    referrals: set = set()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        starts, ends = await consumer.beginning_offsets(partitions), await consumer.end_offsets(partitions)
        total = sum(ends[tp] - starts[tp] for tp in partitions)
        pending = {tp for tp in partitions if ends[tp] > starts[tp]}
        progress(0, total)
        while pending:
            changes: list[ReferralChanged] = []
            for tp, batch in (await consumer.getmany(*pending, timeout_ms=1000, max_records=FETCH)).items():
                for record in batch:
                    records += 1
                    if (change := _change(record.value)) is None:
                        skipped += 1
                    else:
                        changes.append(change)
            # By position, not by the last record's offset: compaction leaves gaps in the offsets.
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
            referrals.update(change.referral_id for change in changes)
            await project(changes, projection=projection)  # one bulk write per fetch
            progress(records, total)
    finally:
        await consumer.stop()
    return {"records": records, "referrals": len(referrals), "skipped": skipped}


async def _partitions(bootstrap_servers: str, security: dict) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **security)
    await admin.start()
    try:
        described = await admin.describe_topics([topics.REFERRAL_CHANGES])
    finally:
        await admin.close()
    return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]


def _change(raw: bytes | None) -> ReferralChanged | None:
    if raw is None:
        return None
    try:
        return decode(ReferralChanged, raw)
    except Rejected:
        return None
