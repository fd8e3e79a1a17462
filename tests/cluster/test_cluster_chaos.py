"""Chaos on the cluster (`make chaos-cluster`): three Kafka nodes, two replicas of every service in
their consumer groups, referrals and milestones under steady load throughout. In turn: kill -9 of the
broker leading the busiest partitions (then it comes back), kill -9 of a second broker, kill -9 of one
replica of each service (the other takes its partitions over, then it rejoins), a restart of the
store. Reported, and held to: referrals and milestones lost (0), notifications sent twice (0), due
deadlines told (all), records dead-lettered that should not have been (0); the longest pause of the
pipeline at each fault and the consumer groups' rebalance times are measured and printed (speed
goals live in benchmarks, never here). Bounded: at most MOST_REFERRALS, each wait bounded."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from devstack.clock import PlatformClock
from devstack.kafka import platform_topics, run_coroutine
from devstack.kafka_access import ADMIN
from devstack.kafka_cluster import REPLICAS as REPLICAS_OF_TOPICS
from devstack.kafka_cluster import LocalKafkaCluster, start_kafka_cluster
from devstack.keys import LocalKeys, issue_local_keys
from devstack.paths import demo_file
from devstack.processes import wait_until
from devstack.services import SERVICE_NAMES, RunningService, RunningServices, ServiceSettings, start_services
from devstack.sms_sink import SmsSink, start_sms_sink
from devstack.smtp_sink import SmtpSink, start_smtp_sink
from devstack.store import LocalStore, start_store
from prometheus_client.parser import text_string_to_metric_families
from pymongo import MongoClient
from referral_contracts import topics

from chaos_load import Agency, closure_emails, longest_pause, sent_twice

pytestmark = pytest.mark.chaos
REPLICAS = 2
CRISIS = 6  # referrals left to breach their 24-hour deadline (the rest are worked to closure)
NEW_REFERRAL_EVERY = 0.8  # seconds: the steady load, kept up for the whole sequence
MOST_REFERRALS = 1500  # far more than the sequence takes: the load must not run out before it ends
MOVES_BETWEEN_FAULTS = 8  # the pipeline is seen to move this often after a fault before the next
WAIT = 180.0  # the longest any one step may take before the run fails, saying which


@dataclass
class Platform:
    cluster: LocalKafkaCluster
    store: LocalStore
    services: RunningServices
    keys: LocalKeys
    clock: PlatformClock
    smtp: SmtpSink
    sms: SmsSink


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    work = tmp_path_factory.mktemp("cluster-chaos")
    cluster = start_kafka_cluster(work / "kafka")
    store, smtp, sms = start_store(work / "store"), start_smtp_sink(work / "smtp"), start_sms_sink(work / "sms")
    keys, clock = issue_local_keys(work / "keys", demo_file("hsds")), PlatformClock(work / "clock-offset")
    settings = ServiceSettings(kafka=cluster.access, mongodb_url=store.url,
                               directory_path=demo_file("hsds"), policy_path=demo_file("policy.yaml"),
                               smtp_host=smtp.host, smtp_port=smtp.port, sms_api_url=sms.url,
                               api_keys_path=keys.hashes_path)
    services = start_services(work / "services", settings, replicas=REPLICAS, timeout=WAIT,
                              extra_env={"CLOCK_OFFSET_FILE": str(clock.path), "SWEEP_SECONDS": "1"})
    try:
        yield Platform(cluster, store, services, keys, clock, smtp, sms)
    finally:
        for stop in (services.stop, sms.stop, smtp.stop, store.stop, cluster.stop):
            stop()


def owned(replica: RunningService) -> dict[str, set[int]]:
    """What the replica's /metrics says it owns in its consumer groups, by topic."""
    found: dict[str, set[int]] = {}
    text = httpx.get(f"{replica.base_url}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "referral_partition_owned" and sample.value == 1:
                found.setdefault(sample.labels["topic"], set()).add(int(sample.labels["partition"]))
    return found


def split(replicas: list[RunningService], partitions: int) -> dict[str, set[int]] | None:
    """Every topic's partitions, each owned by exactly one of `replicas`, and each replica owning
    some; None while a rebalance is under way."""
    held = [owned(replica) for replica in replicas]
    union: dict[str, set[int]] = {}
    for mine in held:
        for topic, parts in mine.items():
            if union.get(topic, set()) & parts:
                return None
            union.setdefault(topic, set()).update(parts)
    whole = all(parts == set(range(partitions)) for parts in union.values())
    return union if whole and union and all(held) else None


def test_each_service_s_two_replicas_split_every_partition_between_them(platform: Platform) -> None:
    for service in SERVICE_NAMES:
        replicas = platform.services.replicas(service)
        assert len(replicas) == REPLICAS
        seen: list[dict[str, set[int]] | None] = [None]

        def settled() -> bool:
            seen[0] = split(replicas, platform.cluster.partitions)
            return seen[0] is not None

        wait_until(settled, WAIT, f"{service}'s replicas to split the partitions")
        assert seen[0] and all(parts == set(range(platform.cluster.partitions)) for parts in seen[0].values())


class Chaos:
    """The steady load, the faults in turn, and what was measured at each."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        urls = {s: [r.base_url for r in platform.services.replicas(s)] for s in SERVICE_NAMES}
        self.agency, self.run = Agency(urls, platform.keys), uuid4().hex[:6]
        self.routine: list[str] = []
        self.futures: list[Future] = []
        self.stopping = threading.Event()
        self.pauses: dict[str, float] = {}  # fault -> longest pause of the pipeline (s)
        # service -> seconds from the kill until the survivor owns every partition (takeover), and from
        # the restarted replica's /ready until the two split them again (rejoin)
        self.rebalances: dict[str, dict[str, float]] = {}

    def keep_load(self, pool: ThreadPoolExecutor) -> None:
        while not self.stopping.is_set() and len(self.routine) < MOST_REFERRALS:
            self.routine.append(f"CLUSTER-{self.run}-R{len(self.routine)}")
            self.futures.append(pool.submit(self.agency.work, self.routine[-1]))
            self.stopping.wait(NEW_REFERRAL_EVERY)

    def moves_since(self, moment: float) -> int:
        with self.agency.lock:
            return sum(1 for t in self.agency.progress if t > moment)

    def fault(self, name: str, act: Callable[[], None]) -> None:
        """Run one fault and its recovery; the pipeline must then move again before the next."""
        start = time.monotonic()
        act()
        recovered = time.monotonic()
        wait_until(lambda: self.moves_since(recovered) >= MOVES_BETWEEN_FAULTS, WAIT,
                   f"the pipeline to move again after {name}")
        self.pauses[name] = round(longest_pause(self.agency.progress, start, time.monotonic()), 1)

    def busiest_broker(self, besides: set[int] = frozenset()) -> int:
        """The node leading the partitions that hold the most records of the domain events."""
        cluster = self.platform.cluster
        leaders = cluster.leaders(topics.SOURCE_TOPICS)
        records = end_offsets(cluster, list(leaders))
        load = {node: 0 for node in cluster.nodes if node not in besides}
        for (topic, partition), node in leaders.items():
            if node in load:
                load[node] += records[(topic, partition)]
        return max(load, key=load.__getitem__)

    def broker_down_and_back(self, node: int) -> None:
        cluster = self.platform.cluster
        cluster.kill(node)
        start = time.monotonic()
        wait_until(lambda: self.moves_since(start) >= MOVES_BETWEEN_FAULTS, WAIT,
                   f"the pipeline to move with node {node} down")
        cluster.restart(node, timeout=WAIT)

    def replica_down_and_back(self, service: str) -> None:
        """kill -9 the second replica; the first takes every partition over (takeover), then the
        second starts again and gets its share back (rejoin)."""
        first, second = self.platform.services.replicas(service)
        partitions = self.platform.cluster.partitions
        topics_read = set(split([first, second], partitions) or owned(first) | owned(second))
        second.process.kill()
        killed = time.monotonic()
        wait_until(lambda: all(owned(first).get(t) == set(range(partitions)) for t in topics_read), WAIT,
                   f"{service}'s surviving replica to take every partition over")
        takeover = time.monotonic() - killed
        second.process.start()
        second.process.wait_until(second.is_ready, WAIT, f"{second.name} /ready after a restart")
        ready = time.monotonic()
        wait_until(lambda: split([first, second], partitions) is not None, WAIT, f"{service}'s replicas to split again")
        self.rebalances[service] = {"takeover": round(takeover, 1), "rejoin": round(time.monotonic() - ready, 1)}


def end_offsets(cluster: LocalKafkaCluster, partitions: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
    async def read() -> dict[tuple[str, int], int]:
        consumer = AIOKafkaConsumer(**cluster.access.client(ADMIN), enable_auto_commit=False)
        await consumer.start()
        try:
            ends = await consumer.end_offsets([TopicPartition(t, p) for t, p in partitions])
        finally:
            await consumer.stop()
        return {(tp.topic, tp.partition): end for tp, end in ends.items()}

    return run_coroutine(read())


def dead_lettered(cluster: LocalKafkaCluster) -> int:
    """Records on every dead-letter topic: the load sends none that breaks a contract."""
    dead_letter_topics = [t for t in platform_topics() if t.endswith(topics.DEAD_LETTER_SUFFIX)]
    return sum(end_offsets(cluster, list(cluster.leaders(dead_letter_topics))).values())


def store_bytes(platform: Platform) -> int:
    """BSON bytes of every service's documents (before compression and indexes)."""
    with MongoClient(platform.store.url) as client:
        return sum(client[name].command("dbStats")["dataSize"] for name in SERVICE_NAMES)


def disk_per_referral(platform: Platform, before: tuple[int, int], referrals: int) -> dict[str, int]:
    """What each referral worked to closure added to Kafka's log segments (one copy) and to the
    store: sizing's starting point (docs/operations.md)."""
    kafka, store = platform.cluster.log_bytes() - before[0], store_bytes(platform) - before[1]
    return {"kafka_bytes_per_referral_per_copy": round(kafka / referrals / REPLICAS_OF_TOPICS),
            "store_bytes_per_referral": round(store / referrals)}


def test_nothing_is_lost_sent_twice_or_dead_lettered_when_brokers_replicas_and_the_store_fail(
        platform: Platform) -> None:
    chaos, cluster = Chaos(platform), platform.cluster
    disk_before = (cluster.log_bytes(), store_bytes(platform))
    crisis = [f"CLUSTER-{chaos.run}-C{i}" for i in range(CRISIS)]
    crisis_ids = {ref: chaos.agency.submit(ref, presenting_needs=["discharged from hospital yesterday"]) for ref in crisis}
    for ref, referral_id in crisis_ids.items():
        chaos.agency.wait_assigned(ref, referral_id)
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=12) as pool:
        loader = threading.Thread(target=chaos.keep_load, args=(pool,), daemon=True)
        loader.start()
        try:
            wait_until(lambda: chaos.moves_since(began) >= MOVES_BETWEEN_FAULTS, WAIT, "the load to flow")
            platform.clock.advance(timedelta(hours=25))  # every crisis referral's first contact is now overdue
            first = chaos.busiest_broker()
            chaos.fault(f"broker {first} (busiest leader)", lambda: chaos.broker_down_and_back(first))
            second = chaos.busiest_broker(besides={first})
            chaos.fault(f"broker {second} (second)", lambda: chaos.broker_down_and_back(second))
            for service in SERVICE_NAMES:
                chaos.fault(f"{service} replica", lambda service=service: chaos.replica_down_and_back(service))
            chaos.fault("store restart", lambda: platform.store.restart(timeout=WAIT))
        finally:
            chaos.stopping.set()
            loader.join()
        for future in chaos.futures:
            future.result(timeout=400)
    seconds = time.monotonic() - began

    unclosed, missing = chaos.agency.lost(chaos.routine)
    wait_until(lambda: len(chaos.agency.breaches_told(crisis_ids)) == CRISIS, WAIT, "every breach to be told")
    emails, texts = platform.smtp.messages(), platform.sms.messages()
    repeated_emails, repeated_texts = sent_twice(emails, texts)
    closures = closure_emails(emails)
    report = {
        "seconds": round(seconds), "referrals": len(chaos.agency.submitted), "milestones": 4 * len(chaos.routine),
        "referrals_lost": len(unclosed), "milestones_lost": len(missing),
        "notifications_sent_twice": len(repeated_emails) + len(repeated_texts)
        + sum(1 for ref in chaos.routine if closures[ref] > 1),
        "deadlines_due": CRISIS, "deadlines_told": len(chaos.agency.breaches_told(crisis_ids)),
        "dead_lettered": dead_lettered(cluster), "longest_pause_seconds": chaos.pauses,
        "rebalance_seconds": chaos.rebalances, **disk_per_referral(platform, disk_before, len(chaos.agency.submitted)),
    }
    print("\ncluster chaos: " + json.dumps(report, indent=1))
    if path := os.environ.get("CHAOS_REPORT"):
        Path(path).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    assert unclosed == [] and missing == [], (unclosed[:5], missing[:5])
    assert report["notifications_sent_twice"] == 0, (repeated_emails, repeated_texts)
    assert all(closures[ref] == 1 for ref in chaos.routine), closures
    assert report["deadlines_told"] == CRISIS
    assert report["dead_lettered"] == 0
    assert len(chaos.routine) < MOST_REFERRALS, "the load ran out before the faults did"
    assert set(chaos.pauses) == {f"broker {first} (busiest leader)", f"broker {second} (second)",
                                 *(f"{s} replica" for s in SERVICE_NAMES), "store restart"}
