"""Genuine Apache Kafka as a cluster: three KRaft nodes (each broker and controller, a three-voter
quorum) from the same Maven jars as the single broker (devstack.kafka), run as a region runs it.

Every topic keeps three copies, an acknowledged write is on two of them (min.insync.replicas=2,
producers at acks=all) and a copy that fell behind never leads (unclean leader election off): the
rule is the contracts' (referral_contracts.topics.replicated_config), applied the way an operator's
`referral-ops apply-topics --replication 3` applies it. Logins and ACLs are the single broker's.
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from .kafka import (
    _LOG4J2_YAML,
    broker_answers,
    ensure_kafka_jars,
    ensure_topics,
    format_storage,
    new_cluster_id,
    platform_topics,
    run_coroutine,
    server_properties,
)
from .kafka_access import ADMIN, KafkaAccess, credentials_path, issue_credentials, provision
from .paths import demo_file
from .ports import LOOPBACK, free_ports
from .processes import ManagedProcess, wait_until

BROKERS = 3
REPLICAS = 3
# Partitions per topic on the cluster: enough for two replicas of a service to own three each, and
# for a third to join (`devstack cluster --partitions N`; in a region: `referral-ops apply-topics --partitions`
# and the manifests' KafkaTopics, six).
CLUSTER_PARTITIONS = 6


@dataclass
class KafkaNode:
    node_id: int
    port: int
    process: ManagedProcess

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"


@dataclass
class LocalKafkaCluster:
    access: KafkaAccess  # every node's address as the bootstrap servers, and every principal's password
    nodes: dict[int, KafkaNode]
    workdir: Path
    partitions: int

    @property
    def bootstrap_servers(self) -> str:
        return self.access.bootstrap_servers

    @property
    def processes(self) -> list[ManagedProcess]:
        return [node.process for node in self.nodes.values()]

    def stop(self, timeout: float = 20.0) -> None:
        for node in self.nodes.values():
            node.process.stop(timeout=timeout)

    def kill(self, node_id: int) -> None:
        """kill -9 one node: broker and controller gone at once, as when its machine loses power."""
        self.nodes[node_id].process.kill()

    def restart(self, node_id: int, timeout: float = 180.0) -> None:
        """Start a killed node again on its port and log dir, and wait until it answers and every
        partition has all its copies in sync again (it caught up on what it missed)."""
        node = self.nodes[node_id]
        node.process.start()
        single = dataclasses.replace(self.access, bootstrap_servers=node.address)
        node.process.wait_until(lambda: broker_answers(single), timeout, f"Kafka node {node_id} to answer again")
        node.process.wait_until(lambda: not self.under_replicated(), timeout,
                                f"every partition back to {REPLICAS} in-sync copies after node {node_id} restarted")

    def log_bytes(self) -> int:
        """Bytes of records in every node's log segments: each copy of each partition (Kafka's
        metadata log left out). Indexes are left out too: Kafka preallocates them as sparse files of
        10 MB whose size says nothing, and what they hold is a small fraction of the segments."""
        return sum(f.stat().st_size for f in self.workdir.glob("node-*/data/*/*.log")
                   if not f.parent.name.startswith("__cluster_metadata"))

    def describe(self, topics: Iterable[str] | None = None) -> dict[tuple[str, int], tuple[int, list[int]]]:
        """(topic, partition) -> (leader's node id, in-sync replicas' node ids); every topic if None."""
        wanted = list(topics) if topics is not None else None
        return run_coroutine(_describe(self.access, wanted))

    def under_replicated(self, topics: Iterable[str] | None = None) -> list[tuple[str, int]]:
        return [key for key, (_, isr) in self.describe(topics).items() if len(isr) < REPLICAS]

    def leaders(self, topics: Iterable[str]) -> dict[tuple[str, int], int]:
        return {key: leader for key, (leader, _) in self.describe(topics).items()}


async def _describe(access: KafkaAccess, topics: list[str] | None) -> dict[tuple[str, int], tuple[int, list[int]]]:
    admin = AIOKafkaAdminClient(**access.client(ADMIN), request_timeout_ms=10000)
    await admin.start()
    try:
        names = topics if topics is not None else [t for t in await admin.list_topics() if not t.startswith("__")]
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    return {(topic["topic"], part["partition"]): (part["leader"], sorted(part["isr"]))
            for topic in described for part in topic["partitions"]}


def cluster_formed(access: KafkaAccess, brokers: int) -> bool:
    """True when the admin can log in and the cluster's metadata lists all `brokers`."""
    async def listed() -> int:
        admin = AIOKafkaAdminClient(**access.client(ADMIN), request_timeout_ms=5000)
        try:
            await admin.start()
            return len((await admin.describe_cluster()).get("brokers", []))
        finally:
            await admin.close()

    return broker_answers(access) and run_coroutine(listed()) >= brokers


def start_kafka_cluster(
    workdir: Path,
    *,
    brokers: int = BROKERS,
    partitions: int = CLUSTER_PARTITIONS,
    directory_path: Path | None = None,
    cache_root: Path | None = None,
    topics: Iterable[str] | None = None,
    timeout: float = 180.0,
) -> LocalKafkaCluster:
    """Format `brokers` KRaft log dirs under `workdir` with one cluster id and the admin's SCRAM
    credential, start the nodes together (the quorum needs a majority), wait until every broker is
    listed, then create the platform's topics (`partitions` each, one copy per broker up to three)
    and every service's and agency's user and ACLs, as on the single broker."""
    libs = ensure_kafka_jars(cache_root)
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java (17 or newer) is needed to run Kafka")
    directory_path = directory_path or demo_file("hsds")
    passwords = issue_credentials(workdir, directory_path)
    ports = free_ports(2 * brokers)
    client_ports, controller_ports = ports[:brokers], ports[brokers:]
    voters = ",".join(f"{n + 1}@{LOOPBACK}:{controller_ports[n]}" for n in range(brokers))
    replicas, cluster_id, controller_password = min(REPLICAS, brokers), new_cluster_id(), secrets.token_urlsafe(24)
    log4j = workdir / "log4j2.yaml"
    log4j.write_text(_LOG4J2_YAML)
    classpath = ["-cp", f"{libs}/*"]
    nodes: dict[int, KafkaNode] = {}
    for index in range(brokers):
        node_id, home = index + 1, workdir / f"node-{index + 1}"
        home.mkdir(parents=True, exist_ok=True)
        properties = home / "server.properties"
        properties.touch(mode=0o600)  # it holds the admin's and the controller listener's passwords
        properties.write_text(server_properties(
            client_ports[index], controller_ports[index], home / "data", passwords[ADMIN], node_id=node_id,
            voters=voters, controller_password=controller_password, replicas=replicas))
        format_storage([java, *classpath, "kafka.tools.StorageTool"], properties, passwords[ADMIN], timeout,
                       cluster_id)
        # Three JVMs share the machine with the services: a modest heap each.
        jvm = [java, "-Xms128m", "-Xmx512m", f"-Dlog4j2.configurationFile={log4j}"]
        process = ManagedProcess(f"kafka-{node_id}", [*jvm, *classpath, "kafka.Kafka", str(properties)],
                                 log_path=home / "kafka.log", cwd=home)
        nodes[node_id] = KafkaNode(node_id, client_ports[index], process)
    bootstrap = ",".join(node.address for node in nodes.values())
    cluster = LocalKafkaCluster(KafkaAccess(bootstrap, passwords, credentials_path(workdir)), nodes, workdir, partitions)
    try:
        for node in nodes.values():
            node.process.start()
        wait_until(lambda: cluster_formed(cluster.access, brokers), timeout, f"all {brokers} Kafka nodes to form a cluster",
                   process=nodes[1].process)
        ensure_topics(cluster.access, topics if topics is not None else platform_topics(directory_path),
                      partitions=partitions, replication=replicas)
        provision(cluster.access, directory_path)
    except BaseException:
        cluster.stop()
        raise
    return cluster
