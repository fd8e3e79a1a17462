"""Genuine Apache Kafka, single node in KRaft mode, run from jars resolved off Maven Central.

No Docker and no tarball: Maven puts the broker's jars in <repo>/.cache/kafka/<version>/libs
and we run `kafka.Kafka` with java directly, on free loopback ports.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import socket
import subprocess
import uuid
from collections.abc import Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiokafka.admin import AIOKafkaAdminClient
from referral_ops import topics as ops_topics

from .paths import default_cache_root, demo_file, kafka_pom
from .ports import LOOPBACK, free_ports
from .processes import ManagedProcess, wait_until

KAFKA_VERSION = "4.3.1"
TOPIC_PARTITIONS = 3
_COMPLETE_MARKER = "COMPLETE"

# Root at WARN keeps the log readable; KafkaRaftServer at INFO still says "Kafka Server started".
_LOG4J2_YAML = """\
Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: INFO
"""

T = TypeVar("T")


def ensure_kafka_jars(cache_root: Path | None = None) -> Path:
    """The directory of Kafka's jars, resolving them with Maven the first time.

    Maven writes into a temporary directory that is renamed into place, and a marker file is
    written last, so an interrupted download is redone instead of half-used.
    """
    version_dir = (cache_root or default_cache_root()) / "kafka" / KAFKA_VERSION
    libs = version_dir / "libs"
    if (version_dir / _COMPLETE_MARKER).is_file() and libs.is_dir():
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven (mvn) is needed once to download Kafka's jars; install it first")
    staging = version_dir / "libs.partial"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(libs, ignore_errors=True)
    command = [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(kafka_pom())]
    command += [f"-Dkafka.version={KAFKA_VERSION}", "dependency:copy-dependencies"]
    command += ["-DincludeScope=runtime", f"-DoutputDirectory={staging}"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"mvn could not resolve Kafka {KAFKA_VERSION}:\n{result.stdout}{result.stderr}"
        )
    staging.rename(libs)
    (version_dir / _COMPLETE_MARKER).write_text(f"kafka {KAFKA_VERSION}\n")
    return libs


@dataclass
class LocalKafka:
    bootstrap_servers: str
    process: ManagedProcess
    workdir: Path

    def stop(self, timeout: float = 20.0) -> None:
        # SIGTERM makes the broker shut down cleanly (it flushes and closes its logs).
        self.process.stop(timeout=timeout)

    def crash_and_restart(self, timeout: float = 90.0) -> None:
        """kill -9 the broker, then start it again on the same port and log dir (it recovers its
        logs from disk, as after a power cut of the process)."""
        self.process.kill()
        self.process.start()
        self.process.wait_until(lambda: broker_answers(self.bootstrap_servers), timeout, "Kafka to answer again")


def start_kafka(
    workdir: Path,
    *,
    cache_root: Path | None = None,
    topics: Iterable[str] | None = None,
    timeout: float = 90.0,
) -> LocalKafka:
    """Format a fresh KRaft log dir in `workdir`, start the broker and create `topics`."""
    libs = ensure_kafka_jars(cache_root)
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java (17 or newer) is needed to run Kafka")
    workdir.mkdir(parents=True, exist_ok=True)
    port, controller_port = free_ports(2)
    properties = workdir / "server.properties"
    properties.write_text(_server_properties(port, controller_port, workdir / "data"))
    log4j = workdir / "log4j2.yaml"
    log4j.write_text(_LOG4J2_YAML)
    classpath = ["-cp", f"{libs}/*"]

    format_log = workdir / "format.log"
    with open(format_log, "wb") as out:
        storage_format = ["kafka.tools.StorageTool", "format", "-t", new_cluster_id()]
        formatted = subprocess.run(
            [java, *classpath, *storage_format, "-c", str(properties)],
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    if formatted.returncode != 0:
        raise RuntimeError(f"formatting Kafka storage failed:\n{format_log.read_text()}")

    # A 512 MB heap is plenty for one local broker and leaves room for everything else.
    jvm = [java, "-Xms256m", "-Xmx512m", f"-Dlog4j2.configurationFile={log4j}"]
    broker = [*jvm, *classpath, "kafka.Kafka", str(properties)]
    process = ManagedProcess("kafka", broker, log_path=workdir / "kafka.log", cwd=workdir).start()
    kafka = LocalKafka(f"{LOOPBACK}:{port}", process, workdir)
    try:
        process.wait_until(
            lambda: broker_answers(kafka.bootstrap_servers), timeout, "Kafka to answer"
        )
        ensure_topics(kafka.bootstrap_servers, topics)  # None: the platform's (platform_topics)
    except BaseException:
        kafka.stop()
        raise
    return kafka


def new_cluster_id() -> str:
    """What `StorageTool random-uuid` prints, made here to save a JVM start (about a second).

    Kafka ids are 16 random bytes in unpadded URL-safe base64; Kafka rejects ids that start
    with "-" (they read as a command-line flag), so draw again in that case.
    """
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def broker_answers(bootstrap_servers: str) -> bool:
    """True when a real client can fetch cluster metadata from the broker.

    A plain TCP connect comes first: it is cheap, and it keeps aiokafka from logging a
    connection error for every poll while the JVM is still starting.
    """
    host, _, port = bootstrap_servers.split(",")[0].rpartition(":")
    with socket.create_connection((host, int(port)), timeout=1):
        pass

    async def describe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
        try:
            await admin.start()
            cluster = await admin.describe_cluster()
            return bool(cluster.get("brokers"))
        finally:
            await admin.close()

    return run_coroutine(describe())


def platform_topics(directory_path: Path | None = None) -> tuple[str, ...]:
    """Every topic of the platform, with the inbound topics of each agency in the directory (the
    demo directory unless given)."""
    return ops_topics.platform_topics(directory_path or demo_file("hsds"))


def ensure_topics(
    bootstrap_servers: str, topics: Iterable[str] | None = None, partitions: int = TOPIC_PARTITIONS
) -> None:
    """Create `topics` (replication 1; None: `platform_topics()`) unless they exist, as an operator's
    `referral-ops apply-topics` does; retried while a fresh broker settles."""
    wanted = list(topics if topics is not None else platform_topics())

    def create() -> bool:
        run_coroutine(ops_topics.apply_topics(bootstrap_servers, wanted, partitions=partitions, replication=1))
        return True

    wait_until(create, 30, "the topics to exist")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run async client code from sync code, even when the caller already runs an event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _server_properties(port: int, controller_port: int, log_dir: Path) -> str:
    return f"""\
# Single node that is both broker and controller (KRaft, static quorum), loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{LOOPBACK}:{controller_port}
listeners=PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{controller_port}
advertised.listeners=PLAINTEXT://{LOOPBACK}:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={log_dir}
# One broker: internal topics cannot have more than one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Consumers in tests and the demo should not wait 3 s for the first group rebalance.
group.initial.rebalance.delay.ms=0
num.partitions={TOPIC_PARTITIONS}
"""
