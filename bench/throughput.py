"""Measurements 1, 2 and 6: the raw Kafka ceiling and the pipeline's sustained throughput, in the
same run on the same broker, and replay speed."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from devstack.kafka import ensure_topics
from devstack.paths import demo_file

from referral_contracts import topics

from latency import TrackedDecisions

REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
RAW_MESSAGES = int(os.environ.get("BENCH_RAW_MESSAGES", "5000"))
PIPELINE_REFERRALS = int(os.environ.get("BENCH_PIPELINE_REFERRALS", "1000"))


def spread(values: list[float]) -> dict:
    """A figure of several runs: the median, with the lowest and highest."""
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1),
            "max": round(max(values), 1), "runs": len(values)}


def referral(i: int, run: str) -> dict:
    payload = json.loads((demo_file("referral.json")).read_text())
    payload["client_reference"] = f"BENCH-{run}-{i}"
    payload["person"] = {**payload["person"], "identifier": f"BENCH-{run}-{i}"}
    return payload


async def raw_limit(kafka, size_of: bytes) -> float:
    """Produce, consume and re-produce RAW_MESSAGES of a referral's size, acks=all, idempotent:
    what a pipeline stage can do at best on this broker (with SCRAM logins and ACL checks, as the
    services have them; topics of its own, so as the admin). Returns messages per second."""
    source, sink = f"bench.raw.{uuid4().hex[:6]}", f"bench.raw.{uuid4().hex[:6]}"
    ensure_topics(kafka, [source, sink], partitions=3)
    producer = AIOKafkaProducer(**kafka.client(), acks="all", enable_idempotence=True, linger_ms=5)
    consumer = AIOKafkaConsumer(source, **kafka.client(), auto_offset_reset="earliest",
                                group_id=f"bench-{uuid4().hex[:6]}", enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    try:
        started = time.perf_counter()
        for i in range(RAW_MESSAGES):
            await producer.send(source, size_of, key=str(i % 97).encode())
        await producer.flush()
        moved = 0
        while moved < RAW_MESSAGES:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=500)).values():
                for record in records:
                    await producer.send(sink, record.value, key=record.key)
                moved += len(records)
            await consumer.commit()
        await producer.flush()
        return RAW_MESSAGES / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        await producer.stop()


async def pipeline(kafka, watcher: TrackedDecisions) -> float:
    """Referrals per second from gp-north's inbound topic (written with gp-north's login) to
    triaged-and-tracked in the store (the last one's view stored with its triage decision, seen on
    the change stream)."""
    run = uuid4().hex[:6]
    producer = AIOKafkaProducer(**kafka.client("gp-north"), acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        started = time.perf_counter()
        for i in range(PIPELINE_REFERRALS):
            await producer.send(topics.referrals_inbound("gp-north"), json.dumps(referral(i, run)).encode())
        await producer.flush()
        references = [f"BENCH-{run}-{i}" for i in range(PIPELINE_REFERRALS)]
        while not all(r in watcher.decided_at for r in references):
            await asyncio.sleep(0.1)
        return PIPELINE_REFERRALS / (max(watcher.decided_at[r] for r in references) - started)
    finally:
        await producer.stop()


async def replay_speed(kafka, mongodb_url: str) -> float:
    """Events per second rebuilding tracking from the Kafka log into a new database (measurement 6)."""
    from referral_contracts.policy import load_policy
    from tracking.bootstrap import rebuilding
    from tracking.lifecycle.mongo import connect
    from tracking.replay.rebuild import replay

    client = connect(mongodb_url)
    try:
        policy = load_policy(demo_file("policy.yaml"))
        tracking = rebuilding(client[f"replay_{uuid4().hex[:6]}"], policy=policy)
        started = time.perf_counter()
        login = {k: v for k, v in kafka.client("tracking").items() if k != "bootstrap_servers"}
        counts = await replay(kafka.bootstrap_servers, tracking, security_kwargs=login)  # as tracking's replay logs in
        return counts["events"] / (time.perf_counter() - started)
    finally:
        await client.close()


