"""Measurement 3: latency from submission to the tracked triage decision, at a fixed offered rate.

Referrals are offered on a fixed schedule (not as fast as they are answered, so a slow answer
never lowers the load), by HTTP (`POST /v1/referrals`) or on the agency's inbound topic. The end
is when tracking stores the referral's view with a triage decision (its state leaves
`submitted`), seen on a MongoDB change stream of tracking's referrals (about 1 ms from the write
on this store). Each referral is recognised by its client reference."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import multiprocessing
import statistics
import threading
import time
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaProducer
from pymongo import MongoClient

from referral_contracts import topics

SENDER = "gp-north"


class TrackedDecisions:
    """Watches tracking's referrals and notes when each client reference is first stored triaged."""

    def __init__(self, mongodb_url: str, database: str = "tracking") -> None:
        self._collection = MongoClient(mongodb_url, uuidRepresentation="standard")[database]["referrals"]
        self._reference_of: dict[object, str] = {}
        self.decided_at: dict[str, float] = {}
        self._stream = self._collection.watch([{"$match": {"operationType": {"$in": ["insert", "update", "replace"]}}}])
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        try:
            for change in self._stream:
                seen = time.perf_counter()
                key = change["documentKey"]["_id"]
                document = change.get("fullDocument") or {}
                if "client_reference" in document:
                    self._reference_of[key] = document["client_reference"]
                state = document.get("state") or (change.get("updateDescription") or {}).get("updatedFields", {}).get("state")
                reference = self._reference_of.get(key)
                if state and state != "submitted" and reference and reference not in self.decided_at:
                    self.decided_at[reference] = seen
        except Exception:  # closed at the end of the run
            return

    def close(self) -> None:
        self._stream.close()


def percentiles(milliseconds: list[float]) -> dict:
    if len(milliseconds) < 2:
        return {"p50": None, "p95": None, "p99": None, "measured": len(milliseconds)}
    cuts = statistics.quantiles(milliseconds, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1),
            "max": round(max(milliseconds), 1), "measured": len(milliseconds)}


async def offered(rate: float, seconds: float, send, watcher: TrackedDecisions, payload_for) -> dict:
    """Offer `rate` referrals per second for `seconds` through `send`; latency percentiles in ms."""
    sent_at, failures = await _offer(rate, seconds, send, payload_for, time.perf_counter)
    return await _collected(sent_at, failures, rate, watcher)


async def _offer(rate: float, seconds: float, send, payload_for, clock) -> tuple[dict[str, float], int]:
    """The fixed schedule: each referral sent at its time (read on `clock`), whatever came back."""
    run = uuid4().hex[:6]
    count = max(2, int(rate * seconds))
    sent_at: dict[str, float] = {}
    tasks = []
    start = time.perf_counter() + 0.2
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        payload = payload_for(i, run)
        sent_at[payload["client_reference"]] = clock()
        tasks.append(asyncio.create_task(send(payload)))
    failures = sum(1 for r in await asyncio.gather(*tasks, return_exceptions=True) if isinstance(r, BaseException))
    return sent_at, failures


async def _collected(sent_at: dict[str, float], failures: int, rate: float, watcher: TrackedDecisions) -> dict:
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline and not all(r in watcher.decided_at for r in sent_at):
        await asyncio.sleep(0.1)
    latencies = [1000 * (watcher.decided_at[r] - t) for r, t in sent_at.items() if r in watcher.decided_at]
    return {**percentiles(latencies), "offered_per_second": rate, "offered": len(sent_at), "send_failures": failures,
            "not_tracked_within_60s": len(sent_at) - len(latencies)}


async def by_http(intake_url: str, api_key: str, rate: float, seconds: float, watcher, payload_for,
                  sent: dict[str, float] | None = None) -> dict:
    """By `POST /v1/referrals`, from a process of its own: an HTTP client at 100 requests a second
    costs the harness more CPU than a Kafka producer, and in the process that also follows the
    change stream it fell behind its own schedule (issue 16: the requests waited in the harness, not
    in intake). One keep-alive connection per request in flight, so none is opened mid-run.
    `sent`, if given, gets each referral's sending time (wall clock)."""
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        sent_wall, failures = await asyncio.get_running_loop().run_in_executor(
            pool, _http_sender, intake_url, api_key, rate, seconds, payload_for)
    if sent is not None:
        sent.update(sent_wall)
    offset = time.time() - time.perf_counter()  # the sender's wall clock onto this process's perf_counter
    return await _collected({r: t - offset for r, t in sent_wall.items()}, failures, rate, watcher)


def _http_sender(intake_url: str, api_key: str, rate: float, seconds: float, payload_for) -> tuple[dict, int]:
    async def run() -> tuple[dict, int]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=intake_url, limits=limits, timeout=30,
                                     headers={"Authorization": f"Bearer {api_key}"}) as client:
            async def send(payload: dict) -> None:
                (await client.post("/v1/referrals", json=payload)).raise_for_status()

            await send(payload_for(0, "warm"))  # the key is verified (argon2) once, then remembered
            return await _offer(rate, seconds, send, payload_for, time.time)

    return asyncio.run(run())


async def by_topic(kafka, rate: float, seconds: float, watcher, payload_for) -> dict:
    producer = AIOKafkaProducer(**kafka.client(SENDER), acks="all", enable_idempotence=True)  # the sender's login
    await producer.start()
    try:
        async def send(payload: dict) -> None:
            await producer.send_and_wait(topics.referrals_inbound(SENDER), json.dumps(payload).encode())

        return await offered(rate, seconds, send, watcher, payload_for)
    finally:
        await producer.stop()
