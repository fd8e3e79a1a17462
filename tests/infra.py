"""How tests get real infrastructure: the one module that decides, as pytest session fixtures.

Per resource, the first that applies:
1. KAFKA_BOOTSTRAP_SERVERS / MONGODB_URL is set: use that broker / MongoDB (e.g. a real mongod,
   or what `devstack infra` printed);
2. a Docker engine answers: start apache/kafka / mongo in containers (testcontainers);
3. otherwise: start the local processes from devstack (Kafka from Maven jars, SecantusDB).
Every topic of the platform (devstack.kafka.platform_topics: with each demo agency's inbound topics)
is created whichever broker is used, and so are the users and ACLs of every service and demo agency:
the broker asks every client who it is (SASL/SCRAM-SHA-512). The `kafka` fixture says where it is
and who may log in: `kafka.client("gp-north")` gives aiokafka's keyword arguments for an agency,
`kafka.client()` the admin's, for test code acting as the platform. With KAFKA_BOOTSTRAP_SERVERS the
admin's login comes from KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD (source what `devstack infra`
printed).
The SMTP sink is always devstack's local sink. Set TESTS_NO_DOCKER=1 to skip step 2.
"""

from __future__ import annotations

import functools
import os
import shlex
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from devstack.clock import PlatformClock
from devstack.kafka import ensure_topics, existing_kafka, format_command, server_properties, start_kafka
from devstack.kafka_access import ADMIN, KafkaAccess, credentials_path, issue_credentials, provision
from devstack.keys import LocalKeys, issue_local_keys
from devstack.paths import demo_file
from devstack.ports import free_port
from devstack.services import RunningServices, ServiceSettings, start_services
from devstack.sms_sink import SmsSink, start_sms_sink
from devstack.smtp_sink import SmtpSink, start_smtp_sink
from devstack.store import start_store
from pymongo import MongoClient
from service_kit.auth import KeysFile, new_key, write_keys_file

KAFKA_IMAGE = "apache/kafka:4.1.1"
MONGO_IMAGE = "mongo:8"

EXPIRED = "gp-north (expired key)"

__all__ = [
    "api_keys",
    "docker_available",
    "infra_dir",
    "kafka",
    "kafka_bootstrap_servers",
    "mongodb_url",
    "platform_clock",
    "running_services",
    "service_environment",
    "service_settings",
    "stack",
    "smtp_sink",
]


@functools.cache
def docker_available() -> bool:
    """True when a Docker engine answers a ping; quick and silent when there is none."""
    if os.environ.get("TESTS_NO_DOCKER"):
        return False
    try:
        from testcontainers.core.docker_client import DockerClient

        return bool(DockerClient(timeout=3).client.ping())
    except Exception:  # noqa: BLE001 - no socket, no daemon, no permission: all mean "no Docker"
        return False


@pytest.fixture(scope="session")
def infra_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Logs and data of locally started processes (kept by pytest for the last few runs)."""
    return tmp_path_factory.mktemp("infra")


@pytest.fixture(scope="session")
def kafka(infra_dir: Path) -> Iterator[KafkaAccess]:
    """The broker's address and every principal's login (the admin, each service, each demo agency)."""
    if configured := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield existing_kafka(configured, infra_dir / "kafka")
    elif docker_available():
        with _kafka_container(infra_dir / "kafka") as access:
            yield access
    else:
        local = start_kafka(infra_dir / "kafka")
        try:
            yield local.access
        finally:
            local.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap_servers(kafka: KafkaAccess) -> str:
    """Only the address: a client needs `kafka.client(...)` as well, to log in."""
    return kafka.bootstrap_servers


@pytest.fixture(scope="session")
def mongodb_url(infra_dir: Path) -> Iterator[str]:
    if configured := os.environ.get("MONGODB_URL"):
        yield configured
    elif docker_available():
        with _mongo_container() as url:
            yield url
    else:
        store = start_store(infra_dir / "store")
        try:
            yield store.url
        finally:
            store.stop()


@pytest.fixture(scope="session")
def smtp_sink(infra_dir: Path) -> Iterator[SmtpSink]:
    """host, port, maildir; .messages() and .wait_for_messages(count, timeout) read what arrived."""
    sink = start_smtp_sink(infra_dir / "smtp")
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="session")
def sms_sink(infra_dir: Path) -> Iterator[SmsSink]:
    """The local SMS provider stand-in: .messages() reads what arrived, .set_outage(True) fails it."""
    sink = start_sms_sink(infra_dir / "sms")
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="session")
def platform_clock(infra_dir: Path) -> PlatformClock:
    """The time every service sees; `.advance_to(moment)` moves the whole platform forward, so
    tests reach a deadline without sleeping through it. Only forwards: later tests see later times."""
    return PlatformClock(infra_dir / "clock-offset")


@pytest.fixture(scope="session")
def api_keys(infra_dir: Path) -> LocalKeys:
    """An API key per demo agency and one for oversight; `.headers("gp-north")` authenticates.
    `.headers(EXPIRED)` sends a key of gp-north's that expired yesterday."""
    keys = issue_local_keys(infra_dir / "keys", demo_file("hsds"))
    expired, entry = new_key("gp-north", expires_at=datetime.now(timezone.utc) - timedelta(days=1))
    entries = KeysFile.model_validate(yaml.safe_load(keys.hashes_path.read_text())).keys
    write_keys_file(keys.hashes_path, [*entries, entry])
    keys.keys[EXPIRED] = expired
    return keys


@pytest.fixture(scope="session")
def service_settings(
    kafka: KafkaAccess, mongodb_url: str, smtp_sink: SmtpSink, sms_sink: SmsSink, api_keys: LocalKeys
) -> ServiceSettings:
    """The demo partnership (directory and policy) wired to the fixtures above."""
    directory, policy = demo_file("hsds"), demo_file("policy.yaml")
    for path in (directory, policy):
        if not path.exists():  # the directory is an HSDS folder
            pytest.fail(f"the services need {path}, which does not exist")
    return ServiceSettings(
        kafka=kafka,
        mongodb_url=mongodb_url,
        directory_path=directory,
        policy_path=policy,
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        sms_api_url=sms_sink.url,
        log_level=os.environ.get("LOG_LEVEL", "INFO"),
        api_keys_path=api_keys.hashes_path,
    )


@pytest.fixture(scope="session")
def service_environment(platform_clock: PlatformClock) -> dict[str, str]:
    """What test runs add to each service's environment: the driven clock, and a watcher that
    looks every second."""
    return {"CLOCK_OFFSET_FILE": str(platform_clock.path), "SWEEP_SECONDS": "1", "METRICS_SECONDS": "1"}


@pytest.fixture(scope="session")
def stack(infra_dir: Path, service_settings: ServiceSettings,
          service_environment: dict[str, str]) -> Iterator[RunningServices]:
    """The five services as processes (`stack["notifier"].crash_and_restart()` kills one)."""
    services = start_services(infra_dir / "services", service_settings, extra_env=service_environment)
    try:
        yield services
    finally:
        services.stop()


@pytest.fixture(scope="session")
def running_services(stack: RunningServices) -> dict[str, str]:
    """Base URL per service name, e.g. running_services["intake"]."""
    return stack.urls


@contextmanager
def _kafka_container(workdir: Path) -> Iterator[KafkaAccess]:
    """apache/kafka, single KRaft node, run with devstack's own configuration (SASL/SCRAM, ACLs) and
    storage formatted with the admin's credential, as the local broker is.

    testcontainers' KafkaContainer drives Confluent's start scripts, which apache/kafka does
    not have, so this is a generic container. The host port equals the container port so the
    advertised listener is right without rewriting it after start. The configuration travels in
    the environment: a mounted file of mode 600 would not be readable by the image's user.
    """
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.docker_client import DockerClient
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    host, port = DockerClient().host(), free_port()
    demo = demo_file("hsds")
    passwords = issue_credentials(workdir, demo)
    properties = server_properties(port, 9093, "/tmp/kraft-data", passwords[ADMIN], listen_host="0.0.0.0",
                                   advertised_host=host)
    storage = format_command(["/opt/kafka/bin/kafka-storage.sh"], "/tmp/server.properties", passwords[ADMIN])
    script = (f'printf "%s" "$SERVER_PROPERTIES" > /tmp/server.properties && {shlex.join(storage)} '
              "&& exec /opt/kafka/bin/kafka-server-start.sh /tmp/server.properties")
    container = (
        DockerContainer(KAFKA_IMAGE)
        .with_bind_ports(port, port)
        .with_env("SERVER_PROPERTIES", properties)
        .with_command(["sh", "-c", script])
        .waiting_for(LogMessageWaitStrategy("Kafka Server started").with_startup_timeout(120))
    )
    with container:
        access = KafkaAccess(f"{host}:{port}", passwords, credentials_path(workdir))
        ensure_topics(access)
        provision(access, demo)
        yield access


@contextmanager
def _mongo_container() -> Iterator[str]:
    """mongo as a one-member replica set: transactions need one, as in production.

    Not MongoDbContainer: it always enables auth, and auth plus a replica set needs a keyfile.
    directConnection=true because the member calls itself localhost:27017 inside the container.
    """
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    container = (
        DockerContainer(MONGO_IMAGE)
        .with_command("--replSet rs0 --bind_ip_all")
        .with_exposed_ports(27017)
        .waiting_for(LogMessageWaitStrategy("Waiting for connections").with_startup_timeout(120))
    )
    with container:
        host, port = container.get_container_host_ip(), container.get_exposed_port(27017)
        url = f"mongodb://{host}:{port}/?directConnection=true"
        with MongoClient(url, serverSelectionTimeoutMS=10_000) as client:
            client.admin.command(
                "replSetInitiate",
                {"_id": "rs0", "members": [{"_id": 0, "host": "localhost:27017"}]},
            )
            deadline = time.monotonic() + 60
            while not client.admin.command("hello").get("isWritablePrimary"):
                if time.monotonic() > deadline:
                    raise TimeoutError("the mongo container never became primary")
                time.sleep(0.2)
        yield url
