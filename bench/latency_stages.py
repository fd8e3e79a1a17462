"""Where the time of measurement 3 goes, stage by stage, by HTTP and by topic (issue 16, point 4).

For each referral offered (bench/latency.py's schedule): sent (the harness), published by intake
(the `referral.submitted.v1` record's timestamp, set by intake's producer), triaged (the
`referral.triaged.v1` record's, set by triage's) and tracked (the change stream's sighting of the
triaged view). Percentiles of each stage, so a slow path shows which service holds it.
PROFILE_INTAKE=1 also records a py-spy profile of intake during each run (bench/profiles/).

    .venv/bin/python bench/latency_stages.py        # 100/s for 10 s, by HTTP then by topic, twice
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from devstack.paths import venv_script

import latency
from cpu_profile import cpu_seconds
import throughput
from latency import SENDER, percentiles
from referral_contracts import topics
from referral_contracts.referral import referral_id_for
from stack import start_stack

RATE = float(os.environ.get("BENCH_RATE", "100"))
SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
OUT = Path(__file__).with_name("profiles")


class RecordTimes:
    """The timestamp of each referral's first record on the given topics, read as the admin."""

    def __init__(self, kafka, names: list[str]) -> None:
        self.kafka, self.names, self.seen = kafka, names, {name: {} for name in names}
        self.received: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._follow()), daemon=True)
        self._thread.start()
        time.sleep(2)

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(**self.kafka.client(), enable_auto_commit=False)
        await consumer.start()
        try:
            partitions = [TopicPartition(n, p) for n in self.names for p in consumer.partitions_for_topic(n) or {0}]
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            while not self._stop.is_set():
                for tp, records in (await consumer.getmany(timeout_ms=200)).items():
                    for record in records:
                        body = json.loads(record.value)
                        key = body.get("referral_id")
                        self.seen[tp.topic].setdefault(key, record.timestamp / 1000)
                        if tp.topic == topics.REFERRAL_SUBMITTED:  # intake's clock when the referral reached it
                            self.received.setdefault(key, datetime.fromisoformat(body["occurred_at"]).timestamp())
        finally:
            await consumer.stop()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


async def staged(way: str, stack, watcher, records: RecordTimes) -> dict:
    """One run at RATE for SECONDS; stage percentiles in ms."""
    sent: dict[str, float] = {}
    wall = time.time() - time.perf_counter()  # perf_counter -> wall clock

    def payload(i: int, run: str) -> dict:
        body = throughput.referral(i, run)
        sent[body["client_reference"]] = time.time()
        return body

    if way == "http":  # sent from a process of its own (latency.by_http), which says when it sent each
        whole = await latency.by_http(stack.services.urls["intake"], stack.keys.keys[SENDER], RATE, SECONDS, watcher,
                                      throughput.referral, sent)
    else:
        whole = await latency.by_topic(stack.kafka.access, RATE, SECONDS, watcher, payload)
    await asyncio.sleep(1)
    stages: dict[str, list[float]] = {"sent -> reached intake's handler": [], "handler -> published": [],
                                      "published -> triaged": [], "triaged -> tracked": []}
    for reference, at in sent.items():
        if reference.endswith("-0") and "warm" in reference:
            continue
        rid = str(referral_id_for(SENDER, reference))
        published = records.seen[topics.REFERRAL_SUBMITTED].get(rid)
        triaged = records.seen[topics.REFERRAL_TRIAGED].get(rid)
        tracked = watcher.decided_at.get(reference)
        if published is None or triaged is None or tracked is None:
            continue
        received = records.received.get(rid, published)
        stages["sent -> reached intake's handler"].append(1000 * (received - at))
        stages["handler -> published"].append(1000 * (published - received))
        stages["published -> triaged"].append(1000 * (triaged - published))
        stages["triaged -> tracked"].append(1000 * (tracked + wall - triaged))
    return {"whole": whole, **{name: percentiles(values) for name, values in stages.items()}}


def main() -> int:
    stack = start_stack("bench-stages-")
    spy = None
    try:
        watcher = latency.TrackedDecisions(stack.store.url)
        records = RecordTimes(stack.kafka.access, [topics.REFERRAL_SUBMITTED, topics.REFERRAL_TRIAGED])
        results = []
        if os.environ.get("BENCH_PIPELINE") == "1":  # measurement 2 once, on the same stack, first
            rate = asyncio.run(throughput.pipeline(stack.kafka.access, watcher))
            print(json.dumps({"pipeline_referrals_per_second": round(rate, 1)}), flush=True)
        for round_ in range(ROUNDS):
            for way in ("http", "topic"):
                if os.environ.get("PROFILE_INTAKE") == "1":
                    OUT.mkdir(exist_ok=True)
                    spy = subprocess.Popen([venv_script("py-spy"), "record", "-p",
                                            str(stack.services["intake"].process.pid), "-r", "200", "-o",
                                            OUT / f"intake-{way}-{round_}.txt", "--format", "raw"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                pid = stack.services["intake"].process.pid
                cpu_before = cpu_seconds(pid)
                result = asyncio.run(staged(way, stack, watcher, records))
                result["intake_cpu_ms_per_referral"] = round(1000 * (cpu_seconds(pid) - cpu_before) / (RATE * SECONDS), 2)
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait()
                    spy = None
                results.append({"way": way, "round": round_, **result})
                print(json.dumps(results[-1]), flush=True)
        records.close()
        watcher.close()
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
