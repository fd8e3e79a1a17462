"""`make bench`: the real stack (Apache Kafka in KRaft mode, the local MongoDB-compatible store, the
five services as separate processes), every measurement of issue 8 in one run, results into
bench/results.json and the table of BENCHMARKS.md (bench/report.py).

Harness: our own (asyncio, aiokafka, httpx, pymongo); each throughput figure is the median of
BENCH_REPEATS runs with its spread (min-max); latencies are percentiles over every referral offered.
MONGODB_URL runs it against that server instead of the local SecantusDB.
BENCH_SCALES (default "10000,100000") says at which open-referral counts 4 and 5 run; the million
did not load into SecantusDB here (BENCHMARKS.md), so it is meant for a real mongod."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from uuid import uuid4

from devstack.keys import OVERSIGHT
from devstack.paths import demo_file

from referral_contracts import Actor, ReferralRequest, ReferralSubmitted, utc_now
from referral_contracts.codec import encode
from referral_contracts.directory import Directory
from referral_contracts.policy import load_policy

import at_scale
import latency
import on_cluster
import oversight_at_scale
import report
import scale
import store_figures
import throughput
from stack import start_stack
from throughput import spread

SCALES = [int(n) for n in os.environ.get("BENCH_SCALES", "10000,100000").split(",") if n]
LATENCY_SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "10"))
# BENCH_SCALE_ONLY=1: only 4 and 5 (e.g. the million alone), into BENCH_OUT (default bench/results.json;
# BENCHMARKS.md's table is written only from a full run).
SCALE_ONLY = os.environ.get("BENCH_SCALE_ONLY") == "1"
# BENCH_CLUSTER=0: leave out the pipeline on three Kafka nodes with two replicas per service.
CLUSTER = os.environ.get("BENCH_CLUSTER", "1") != "0" and not SCALE_ONLY
OUT = Path(os.environ.get("BENCH_OUT", Path(__file__).with_name("results.json")))


def resident_mb(pid: int) -> float:
    """Resident memory of a process (Linux /proc), in MB (measurement 7)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def flow_measurements(kafka, store, services, keys, sample: bytes) -> dict:
    """Measurements 1, 2, 3, 7 (after the load) and 6."""
    results: dict = {}
    watcher = latency.TrackedDecisions(store.url)
    try:
        step("1. raw Kafka limit")
        raw = [asyncio.run(throughput.raw_limit(kafka, sample)) for _ in range(throughput.REPEATS)]
        step("2. pipeline throughput")
        flow = [asyncio.run(throughput.pipeline(kafka, watcher)) for _ in range(throughput.REPEATS)]
        results |= {"raw_limit_messages_per_second": spread(raw), "pipeline_referrals_per_second": spread(flow),
                    "pipeline_to_raw_ratio": round(statistics.median(flow) / statistics.median(raw), 3)}
        results["latency_ms"] = {}
        for rate in (round(statistics.median(flow) / 2, 1), 100.0):
            step(f"3. latency at {rate}/s")
            results["latency_ms"][f"http at {rate}/s"] = asyncio.run(latency.by_http(
                services.urls["intake"], keys.keys["gp-north"], rate, LATENCY_SECONDS, watcher, throughput.referral))
            results["latency_ms"][f"topic at {rate}/s"] = asyncio.run(latency.by_topic(
                kafka, rate, LATENCY_SECONDS, watcher, throughput.referral))
        results["resident_mb_after_load"] = {name: resident_mb(s.process.pid) for name, s in services.services.items()}
    finally:
        watcher.close()
    step("6. replay")
    results["replay_events_per_second"] = spread(
        [asyncio.run(throughput.replay_speed(kafka, store.url)) for _ in range(throughput.REPEATS)])
    return results


def measure(kafka, store, services, keys) -> dict:
    """`kafka`: devstack's KafkaAccess (each client logs in as the principal it stands for)."""
    tracking = services.urls["tracking"]
    policy = load_policy(demo_file("policy.yaml"))
    sample = encode(ReferralSubmitted.create(referral_id=uuid4(), correlation_id=uuid4(), actor=Actor(agency_id="gp-north"),
                                             data=ReferralRequest.model_validate(throughput.referral(0, "size"))))
    results: dict = {"message_bytes": len(sample)}
    if SCALE_ONLY:
        watcher = latency.TrackedDecisions(store.url)
        asyncio.run(throughput.pipeline(kafka, watcher))  # a tracked referral to copy from
        watcher.close()
    else:
        step("0. store commands per referral and per escalation")
        results["store_figures"] = store_figures.measure(services.urls, keys.headers, store.url, policy)
        results |= flow_measurements(kafka, store, services, keys, sample)
    view, projected, events = scale.template(store.url)
    directory, loaded, results["at_scale"] = Directory.load(demo_file("hsds")), 0, {}
    for size in SCALES:
        step(f"4-5. {size:,} open referrals: loading")
        seconds = scale.load_background(store.url, view, projected, size - loaded, directory, utc_now(), seed=size)
        loaded, count = size, size - loaded
        step(f"4. deadline accuracy at {size:,}")
        deadlines = asyncio.run(at_scale.deadline_accuracy(kafka, store.url, policy, events, tracking))
        step(f"5. oversight at {size:,}: read models beside the previous aggregations")
        oversight = asyncio.run(oversight_at_scale.oversight_times(
            services.urls["oversight"], keys.keys[OVERSIGHT], store.url, policy,
            previous_repeats=3 if size <= 10_000 else 1))  # the previous path takes half a minute a query at 100 k
        results["at_scale"][str(size)] = {
            "loaded_in_s": {k: round(v, 1) for k, v in seconds.items()},
            "oversight_states": count, "oversight_states_per_second": round(count / seconds["oversight_s"]),
            "deadlines": deadlines,
            "oversight": oversight}
    results["resident_mb_at_largest_scale"] = {name: resident_mb(s.process.pid) for name, s in services.services.items()}
    return results


def step(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", flush=True)


def main() -> int:
    started = time.perf_counter()
    stack = start_stack("bench-", extra_env=store_figures.ENVIRONMENT)  # the services count their store commands
    try:
        results = measure(stack.kafka.access, stack.store, stack.services, stack.keys)
    finally:
        stack.stop()
    if CLUSTER:
        step("2. pipeline on three Kafka nodes, two replicas of every service")
        cluster = start_stack("bench-cluster-", brokers=3, replicas=on_cluster.CLUSTER_REPLICAS)
        try:
            results["cluster"] = on_cluster.measure(cluster)
        finally:
            cluster.stop()
    results = {"machine": {"cpus": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                           "python": platform.python_version(), "platform": platform.platform(),
                           "kafka": "4.3.1 (single KRaft node)",
                           "store": "MongoDB at MONGODB_URL" if os.environ.get("MONGODB_URL") else "SecantusDB 0.7.0b3",
                           "store_cache": os.environ.get("BENCH_STORE_CACHE")},
               "date": time.strftime("%Y-%m-%d"), "bench_minutes": round((time.perf_counter() - started) / 60, 1),
               **results}
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    benchmarks = Path(__file__).parent.parent / "BENCHMARKS.md"
    report.write_scale_only(results, benchmarks) if SCALE_ONLY else report.write(results, benchmarks)
    if "store_figures" in results:
        report.write_store_figures(results, benchmarks)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
