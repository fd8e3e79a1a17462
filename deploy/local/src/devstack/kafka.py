"""Genuine Apache Kafka, single node in KRaft mode, run from jars resolved off Maven Central.

No Docker and no tarball: Maven puts the broker's jars in <repo>/.cache/kafka/<version>/libs
and we run `kafka.Kafka` with java directly, on free loopback ports. As in production, it knows who
is who: every client logs in with SASL/SCRAM-SHA-512 and the StandardAuthorizer refuses whatever
no ACL allows (the users and ACLs: devstack.kafka_access).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
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

from .kafka_access import ADMIN, KafkaAccess, credentials_path, given_credentials, issue_credentials, provision
from .maven import resolved_jars
from .paths import default_cache_root, demo_file, kafka_pom
from .ports import LOOPBACK, free_ports
from .processes import ManagedProcess, wait_until

KAFKA_VERSION = "4.3.1"
TOPIC_PARTITIONS = 3

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
    """The directory of Kafka's jars, resolving them with Maven the first time."""
    return resolved_jars((cache_root or default_cache_root()) / "kafka" / KAFKA_VERSION, kafka_pom(),
                         {"kafka.version": KAFKA_VERSION}, f"Kafka {KAFKA_VERSION}")


@dataclass
class LocalKafka:
    access: KafkaAccess  # the address, and the password of every principal
    process: ManagedProcess
    workdir: Path

    @property
    def bootstrap_servers(self) -> str:
        return self.access.bootstrap_servers

    @property
    def processes(self) -> list[ManagedProcess]:
        return [self.process]

    def stop(self, timeout: float = 20.0) -> None:
        # SIGTERM makes the broker shut down cleanly (it flushes and closes its logs).
        self.process.stop(timeout=timeout)

    def crash_and_restart(self, timeout: float = 90.0) -> None:
        """kill -9 the broker, then start it again on the same port and log dir (it recovers its
        logs from disk, as after a power cut of the process; users and ACLs are in its metadata log)."""
        self.process.kill()
        self.process.start()
        self.process.wait_until(lambda: broker_answers(self.access), timeout, "Kafka to answer again")


def start_kafka(
    workdir: Path,
    *,
    directory_path: Path | None = None,
    cache_root: Path | None = None,
    topics: Iterable[str] | None = None,
    timeout: float = 90.0,
) -> LocalKafka:
    """Format a fresh KRaft log dir in `workdir` with the admin's SCRAM credential, start the broker
    with authentication and ACLs on, create `topics` (None: the platform's, for the directory), and
    the users and ACLs of every service and agency of the directory (the demo's unless given)."""
    libs = ensure_kafka_jars(cache_root)
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java (17 or newer) is needed to run Kafka")
    directory_path = directory_path or demo_file("hsds")
    passwords = issue_credentials(workdir, directory_path)
    port, controller_port = free_ports(2)
    properties = workdir / "server.properties"
    properties.touch(mode=0o600)  # it holds the admin's and the controller's passwords
    properties.write_text(server_properties(port, controller_port, workdir / "data", passwords[ADMIN]))
    log4j = workdir / "log4j2.yaml"
    log4j.write_text(_LOG4J2_YAML)
    classpath = ["-cp", f"{libs}/*"]
    format_storage([java, *classpath, "kafka.tools.StorageTool"], properties, passwords[ADMIN], timeout)

    # A 512 MB heap is plenty for one local broker and leaves room for everything else.
    jvm = [java, "-Xms256m", "-Xmx512m", f"-Dlog4j2.configurationFile={log4j}"]
    broker = [*jvm, *classpath, "kafka.Kafka", str(properties)]
    process = ManagedProcess("kafka", broker, log_path=workdir / "kafka.log", cwd=workdir).start()
    access = KafkaAccess(f"{LOOPBACK}:{port}", passwords, credentials_path(workdir))
    kafka = LocalKafka(access, process, workdir)
    try:
        process.wait_until(lambda: broker_answers(access), timeout, "Kafka to answer")
        ensure_topics(access, topics if topics is not None else platform_topics(directory_path))
        provision(access, directory_path)
    except BaseException:
        kafka.stop()
        raise
    return kafka


def existing_kafka(
    bootstrap_servers: str, workdir: Path, *, directory_path: Path | None = None, topics: Iterable[str] | None = None
) -> KafkaAccess:
    """A broker started elsewhere (e.g. by `devstack infra`), logged in to as the admin this process's
    environment names (KAFKA_SASL_*); the other principals keep the passwords the environment gives
    (KAFKA_PASSWORD_*) or get new ones. Topics, users and ACLs are then made as on a broker of ours."""
    directory_path = directory_path or demo_file("hsds")
    passwords = issue_credentials(workdir, directory_path, given=given_credentials())
    access = KafkaAccess(bootstrap_servers, passwords, credentials_path(workdir))
    ensure_topics(access, topics if topics is not None else platform_topics(directory_path))
    provision(access, directory_path)
    return access


def format_command(storage_tool: list[str], properties: str, admin_password: str,
                   cluster_id: str | None = None) -> list[str]:
    """StorageTool format, bootstrapping the admin's SCRAM credential into the first metadata: the
    broker's own logins need it before any client could create it. Every node of a cluster is
    formatted with the same `cluster_id`."""
    scram = f"SCRAM-SHA-512=[name={ADMIN},password={admin_password}]"
    return [*storage_tool, "format", "-t", cluster_id or new_cluster_id(), "-c", properties, "--add-scram", scram]


def format_storage(storage_tool: list[str], properties: Path, admin_password: str, timeout: float,
                   cluster_id: str | None = None) -> None:
    """Format the log dir; the tool's output (which lists the stored keys) only explains a failure."""
    command = format_command(storage_tool, str(properties), admin_password, cluster_id)
    formatted = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if formatted.returncode != 0:
        raise RuntimeError(f"formatting Kafka storage failed:\n{formatted.stdout}{formatted.stderr}")


def new_cluster_id() -> str:
    """What `StorageTool random-uuid` prints, made here to save a JVM start (about a second).

    Kafka ids are 16 random bytes in unpadded URL-safe base64; Kafka rejects ids that start
    with "-" (they read as a command-line flag), so draw again in that case.
    """
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def broker_answers(access: KafkaAccess) -> bool:
    """True when the admin can log in and fetch cluster metadata from the broker.

    A plain TCP connect comes first: it is cheap, and it keeps aiokafka from logging a
    connection error for every poll while the JVM is still starting.
    """
    host, _, port = access.bootstrap_servers.split(",")[0].rpartition(":")
    with socket.create_connection((host, int(port)), timeout=1):
        pass

    async def describe() -> bool:
        admin = AIOKafkaAdminClient(**access.client(ADMIN), request_timeout_ms=5000)
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
    access: KafkaAccess, topics: Iterable[str] | None = None, partitions: int = TOPIC_PARTITIONS, replication: int = 1
) -> None:
    """Create `topics` (None: `platform_topics()`) unless they exist, as an operator's `referral-ops
    apply-topics` does, logged in as the admin; retried while a fresh broker settles."""
    wanted = list(topics if topics is not None else platform_topics())

    def create() -> bool:
        run_coroutine(ops_topics.apply_topics(access.login(ADMIN), wanted, partitions=partitions,
                                              replication=replication))
        return True

    wait_until(create, 30, "the topics to exist")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run async client code from sync code, even when the caller already runs an event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def server_properties(port: int, controller_port: int, log_dir: Path | str, admin_password: str, *,
                      listen_host: str = LOOPBACK, advertised_host: str = LOOPBACK, node_id: int = 1,
                      voters: str | None = None, controller_password: str | None = None, replicas: int = 1) -> str:
    """The broker's configuration: authentication and authorization on, loopback unless told. A node
    of a cluster (devstack.kafka_cluster) is told its id, every voter of the quorum, the password the
    nodes share on the controller listener and how many copies each topic keeps (`replicas`)."""
    # The controller's PLAIN password is only ever read from this file (mode 600): the broker part
    # of each node logs in to the controllers with it, as the admin.
    controller_password = controller_password or secrets.token_urlsafe(24)
    return f"""\
# A node that is both broker and controller (KRaft, static quorum), loopback only.
process.roles=broker,controller
node.id={node_id}
controller.quorum.voters={voters or f"{node_id}@{LOOPBACK}:{controller_port}"}
listeners=CLIENT://{listen_host}:{port},CONTROLLER://{LOOPBACK}:{controller_port}
advertised.listeners=CLIENT://{advertised_host}:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
# Clients and brokers: SCRAM-SHA-512 only, the users' credentials kept in the metadata log.
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule \
  required username="{ADMIN}" password="{admin_password}";
# The controller listener: SCRAM credentials live in the metadata the controller serves, so it
# cannot check them itself; PLAIN with one static user (the admin, a super user) secures it.
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule \
  required username="{ADMIN}" password="{controller_password}" user_{ADMIN}="{controller_password}";
# Authorization: ACLs in the metadata log; whatever no ACL allows is refused; the admin may do all.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:{ADMIN}
log.dirs={log_dir}
# Consumers in tests and the demo should not wait 3 s for the first group rebalance.
group.initial.rebalance.delay.ms=0
num.partitions={TOPIC_PARTITIONS}
""" + internal_topics_properties(replicas)


def internal_topics_properties(replicas: int) -> str:
    """Kafka's own topics and its defaults, as safe as the platform's topics (referral_ops.topics.broker_config)."""
    return "".join(f"{name}={value}\n" for name, value in ops_topics.broker_config(replicas).items())
