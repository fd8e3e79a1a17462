"""Measurement 4 at each scale: deadline accuracy of the live watcher with 1,000 rungs falling due
among N open referrals, and the sweep's cost (5, oversight, is bench/oversight_at_scale.py)."""

from __future__ import annotations

import json
import statistics
import time
from datetime import timedelta
from uuid import UUID

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from latency import percentiles
from referral_contracts import topics, utc_now
from scale import due_referrals
from tracking.bootstrap import rebuilding
from tracking.lifecycle.mongo import connect
from tracking.lifecycle.service import save_views

DUE = 1000
LEAD_TIME = timedelta(seconds=10)  # loading the due referrals takes a few seconds
SPREAD = timedelta(seconds=10)  # the 1,000 rungs fall due evenly over this window


def _sweep_totals(metrics_text: str) -> tuple[float, float]:
    values = {line.split()[0]: float(line.split()[1]) for line in metrics_text.splitlines()
              if line.startswith("referral_deadline_sweep_seconds_")}
    return values.get("referral_deadline_sweep_seconds_sum", 0.0), values.get("referral_deadline_sweep_seconds_count", 0.0)


async def deadline_accuracy(kafka, mongodb_url: str, policy, template_events: list[dict],
                            tracking_url: str) -> dict:
    client = connect(mongodb_url)
    loader = rebuilding(client["tracking"], policy=policy)  # stores as tracking would, publishes nothing
    views_stored = loader.stores.views
    consumer = AIOKafkaConsumer(**kafka.client(), enable_auto_commit=False)  # as the admin: it watches
    await consumer.start()
    try:
        partitions = [TopicPartition(topics.REFERRAL_ESCALATIONS, p)
                      for p in consumer.partitions_for_topic(topics.REFERRAL_ESCALATIONS) or {0, 1, 2}]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        # The watcher's cost with nothing due: the index query it makes at every wake (the rungs
        # due and those falling due within its longest sleep, in one read).
        idle = []
        for _ in range(20):
            started = time.perf_counter()
            await views_stored.escalations_before(utc_now() + timedelta(seconds=5), 1000)
            idle.append(1000 * (time.perf_counter() - started))
        sweep_before = _sweep_totals(httpx.get(f"{tracking_url}/metrics").text)
        events, views, due = due_referrals(template_events, policy, utc_now() + LEAD_TIME, SPREAD, DUE)
        loading = time.perf_counter()
        for i in range(0, len(events), 1000):
            await loader.stores.log.append(events[i:i + 1000])
        for i in range(0, len(views), 500):
            await save_views(views[i:i + 500], loader)
        loaded_in = time.perf_counter() - loading
        late: dict[UUID, float] = {}
        give_up = time.monotonic() + LEAD_TIME.total_seconds() + SPREAD.total_seconds() + 120
        while len(late) < len(due) and time.monotonic() < give_up:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    event = json.loads(record.value)
                    referral_id = UUID(event["referral_id"])
                    if referral_id in due and referral_id not in late:
                        late[referral_id] = record.timestamp / 1000 - due[referral_id].timestamp()
        sweep_after = _sweep_totals(httpx.get(f"{tracking_url}/metrics").text)
    finally:
        await consumer.stop()
        await client.close()
    sweep_seconds, sweeps = (a - b for a, b in zip(sweep_after, sweep_before))
    return {"lateness_ms": percentiles([1000 * s for s in late.values()]), "due": len(due), "fired": len(late),
            "loaded_due_in_s": round(loaded_in, 2), "late_before_loaded": loaded_in > LEAD_TIME.total_seconds(),
            "sweeps": int(sweeps), "sweep_seconds_total": round(sweep_seconds, 3),
            "sweep_ms_per_escalation": round(1000 * sweep_seconds / max(1, len(late)), 3),
            "idle_sweep_query_ms": round(statistics.median(idle), 2)}
