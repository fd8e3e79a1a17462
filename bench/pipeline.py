"""`make bench` (first part): the raw Kafka ceiling and the pipeline's sustained throughput, measured
in the same run on the same broker, with the services as separate processes; then replay speed
and each service's resident memory after the load. Writes
bench/results.json and prints a table; BENCHMARKS.md records the runs.

Harness: our own (asyncio + aiokafka + pymongo), each figure the median of REPEATS runs with its
spread (min-max)."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from devstack.kafka import ensure_topics, start_kafka
from devstack.keys import issue_local_keys
from devstack.paths import demo_file
from devstack.services import ServiceSettings, start_services
from devstack.smtp_sink import start_smtp_sink
from devstack.store import start_store
from pymongo import MongoClient

from referral_contracts import Actor, ReferralRequest, ReferralSubmitted, topics
from referral_contracts.codec import encode

REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
RAW_MESSAGES = int(os.environ.get("BENCH_RAW_MESSAGES", "5000"))
PIPELINE_REFERRALS = int(os.environ.get("BENCH_PIPELINE_REFERRALS", "1000"))


def referral(i: int, run: str) -> dict:
    payload = json.loads((demo_file("referral.json")).read_text())
    payload["client_reference"] = f"BENCH-{run}-{i}"
    payload["person"] = {**payload["person"], "identifier": f"BENCH-{run}-{i}"}
    return payload


async def raw_limit(bootstrap: str, size_of: bytes) -> float:
    """Produce, consume and re-produce RAW_MESSAGES of a referral's size, acks=all, idempotent:
    what a pipeline stage can do at best on this broker. Returns messages per second."""
    source, sink = f"bench.raw.{uuid4().hex[:6]}", f"bench.raw.{uuid4().hex[:6]}"
    ensure_topics(bootstrap, [source, sink], partitions=3)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
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


async def pipeline(bootstrap: str, mongodb_url: str) -> float:
    """Referrals per second from gp-north's inbound topic to triaged-and-tracked in the store."""
    run = uuid4().hex[:6]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    store = MongoClient(mongodb_url)["tracking"]["referrals"]
    try:
        started = time.perf_counter()
        for i in range(PIPELINE_REFERRALS):
            await producer.send(topics.referrals_inbound("gp-north"), json.dumps(referral(i, run)).encode())
        await producer.flush()
        done = 0
        while done < PIPELINE_REFERRALS:
            await asyncio.sleep(0.2)
            done = store.count_documents({"client_reference": {"$regex": f"^BENCH-{run}-"},
                                          "state": {"$nin": ["submitted"]}})
        return PIPELINE_REFERRALS / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def replay_speed(bootstrap: str, mongodb_url: str) -> float:
    """Events per second rebuilding tracking from the Kafka log into a new database (measurement 6)."""
    from functools import partial

    from referral_contracts.policy import load_policy
    from tracking.adapters.referral_store import MongoReferralStore, connect
    from tracking.domain.deadlines import next_due_at
    from tracking.service_layer.replay import replay

    client = connect(mongodb_url)
    try:
        policy = load_policy(demo_file("policy.yaml"))
        store = MongoReferralStore(client[f"replay_{uuid4().hex[:6]}"], next_due=partial(next_due_at, policy=policy))
        started = time.perf_counter()
        counts = await replay(bootstrap, store)
        return counts["events"] / (time.perf_counter() - started)
    finally:
        await client.close()


def resident_mb(pid: int) -> float:
    """Resident memory of a process (Linux /proc), in MB (measurement 7)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1),
            "max": round(max(values), 1), "runs": len(values)}


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    kafka, store = start_kafka(work / "kafka"), start_store(work / "store")
    smtp = start_smtp_sink(work / "smtp")
    keys = issue_local_keys(work / "keys", demo_file("hsds"))
    settings = ServiceSettings(kafka_bootstrap_servers=kafka.bootstrap_servers, mongodb_url=store.url,
                               directory_path=demo_file("hsds"), policy_path=demo_file("policy.yaml"),
                               smtp_host=smtp.host, smtp_port=smtp.port, api_keys_path=keys.hashes_path,
                               log_level="WARNING")
    services = start_services(work / "services", settings)
    try:
        sample = encode(ReferralSubmitted.create(
            referral_id=uuid4(), correlation_id=uuid4(), actor=Actor(agency_id="gp-north"),
            data=ReferralRequest.model_validate(referral(0, "size"))))
        raw = [asyncio.run(raw_limit(kafka.bootstrap_servers, sample)) for _ in range(REPEATS)]
        flow = [asyncio.run(pipeline(kafka.bootstrap_servers, store.url)) for _ in range(REPEATS)]
        memory = {name: resident_mb(s.process.pid) for name, s in services.services.items()}
        rebuilt = [asyncio.run(replay_speed(kafka.bootstrap_servers, store.url)) for _ in range(REPEATS)]
    finally:
        for stop in (services.stop, smtp.stop, store.stop, kafka.stop):
            stop()
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "kafka": "4.3.1 (single KRaft node)", "store": "SecantusDB 0.7.0b3"},
        "message_bytes": len(sample),
        "raw_limit_messages_per_second": spread(raw),
        "pipeline_referrals_per_second": spread(flow),
        "pipeline_to_raw_ratio": round(statistics.median(flow) / statistics.median(raw), 3),
        "replay_events_per_second": spread(rebuilt),
        "resident_mb_after_load": memory,
    }
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
