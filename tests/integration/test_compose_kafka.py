"""Compose's broker, without Docker: the `kafka` service's settings in deploy/docker/compose.yaml,
turned into server.properties the way the apache/kafka image turns them (kafka.docker.
KafkaDockerWrapper: each KAFKA_* variable, "_" to ".", "__" to "_", "___" to "-"), run on the genuine
broker (only the addresses and the log dir moved to this machine), then `kafka-setup`'s own command
run as it is written. Afterwards a service logs in with SCRAM and may write only its own topics,
and a wrong password is refused: the broker config a platform team gets from Compose asks who is who."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from confluent_kafka import KafkaError
from devstack.kafka import ensure_kafka_jars
from devstack.ports import free_ports
from devstack.processes import ManagedProcess, wait_until
from referral_ops.acls import admin_client
from referral_ops.login import KafkaLogin

from referral_contracts import topics

from kafka_probes import login_refused, produce, refusal

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "docker" / "compose.yaml"
MOVED = ("listeners", "advertised.listeners", "controller.quorum.voters", "log.dirs")  # this machine's


def interpolated(value: str, environment: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:?message} and ${NAME:-default}, and $$ for a dollar sign."""
    def one(found: re.Match) -> str:
        name, rule, default = found.group(1), found.group(2) or "", found.group(3) or ""
        given = environment.get(name, "")
        if not given and rule == ":?":
            raise AssertionError(f"{name} is required: {default}")
        return given or (default if rule == ":-" else "")
    return re.sub(r"\$\{(\w+)(:[?-])?([^}]*)\}", one, value).replace("$$", "$")


def setting_name(variable: str) -> str:
    """The image's rule, in order: KAFKA_ dropped, lower case, "_" to ".", then "..." to "-", ".." to "_"."""
    return variable.replace("KAFKA_", "").lower().replace("_", ".").replace("...", "-").replace("..", "_")


def compose_service(name: str) -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"][name]


@pytest.fixture(scope="module")
def compose_broker(tmp_path_factory) -> dict[str, str]:
    workdir = tmp_path_factory.mktemp("compose-kafka")
    environment = {"KAFKA_ADMIN_PASSWORD": secrets.token_urlsafe(16),
                   **{f"KAFKA_PASSWORD_{s.upper()}": secrets.token_urlsafe(16)
                      for s in ("intake", "triage", "tracking", "notifier", "oversight")}}
    port, controller = free_ports(2)
    settings = {setting_name(k): interpolated(str(v), environment)
                for k, v in compose_service("kafka")["environment"].items() if k.startswith("KAFKA_")}
    assert set(MOVED) <= settings.keys()
    settings |= {"listeners": f"CLIENT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
                 "advertised.listeners": f"CLIENT://127.0.0.1:{port}",
                 "controller.quorum.voters": f"1@127.0.0.1:{controller}", "log.dirs": str(workdir / "data")}
    properties = workdir / "server.properties"
    properties.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    classpath = ["-cp", f"{ensure_kafka_jars()}/*"]
    java = shutil.which("java")
    subprocess.run([java, *classpath, "kafka.tools.StorageTool", "format", "-t", "5L6g3nShT-eMCtK--X86sw",
                    "-c", str(properties)], check=True, capture_output=True, timeout=120)  # as the image: no users
    broker = ManagedProcess("compose-kafka", [java, "-Xmx512m", *classpath, "kafka.Kafka", str(properties)],
                            log_path=workdir / "kafka.log", cwd=workdir).start()
    admin = KafkaLogin(f"127.0.0.1:{port}", "PLAIN", "admin", environment["KAFKA_ADMIN_PASSWORD"])
    try:
        wait_until(lambda: _answers(admin), 90, "compose's broker to answer its admin")
        yield environment | {"KAFKA_BOOTSTRAP_SERVERS": admin.bootstrap_servers}
    finally:
        broker.stop()


def _answers(admin: KafkaLogin) -> bool:
    try:
        admin_client(admin).list_topics(timeout=5)
        return True
    except Exception:  # not up yet
        return False


def test_kafka_setup_as_compose_runs_it_gives_each_service_its_login_and_only_its_topics(compose_broker) -> None:
    setup = compose_service("kafka-setup")
    environment = {**os.environ, **{k: interpolated(str(v), compose_broker) for k, v in setup["environment"].items()}}
    environment["KAFKA_BOOTSTRAP_SERVERS"] = compose_broker["KAFKA_BOOTSTRAP_SERVERS"]
    command = " ".join(setup["command"]).replace("/app/demo/hsds", str(ROOT / "deploy" / "demo" / "hsds"))
    ops = Path(sys.executable).parent  # referral-ops, installed beside this Python
    done = subprocess.run(["sh", "-c", command], env=environment | {"PATH": f"{ops}:{os.environ['PATH']}"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 logins made or updated: intake, triage, tracking, notifier, oversight" in done.stdout
    [no_login] = [line for line in done.stdout.splitlines() if line.startswith("no password given, so no login:")]
    assert "gp-north" in no_login and "intake" not in no_login  # compose gives agencies none unless set

    intake = KafkaLogin(compose_broker["KAFKA_BOOTSTRAP_SERVERS"], "SCRAM-SHA-512", "intake",
                        compose_broker["KAFKA_PASSWORD_INTAKE"]).confluent()
    assert produce(intake, topics.REFERRAL_SUBMITTED) is None
    assert refusal(produce(intake, topics.REFERRAL_TRIAGED)) == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert login_refused(intake | {"sasl.password": "not-the-password"}, topics.REFERRAL_SUBMITTED)
