"""The five services as separate processes, started exactly as deployed: by their console scripts.

The environment below is the whole configuration contract between the platform and a service.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .kafka_access import KafkaAccess
from .paths import venv_script
from .ports import LOOPBACK, free_port
from .processes import ManagedProcess

# In start order; stopped in reverse, so the read side (oversight) stops before what feeds it.
SERVICE_NAMES = ("intake", "triage", "tracking", "notifier", "oversight")
_RUN_SMS_TOKEN = secrets.token_urlsafe(24)


@dataclass(frozen=True)
class ServiceSettings:
    """What every service is told through its environment."""

    kafka: KafkaAccess  # each service logs in as itself (its principal is its name)
    mongodb_url: str
    directory_path: Path
    policy_path: Path
    smtp_host: str
    smtp_port: int
    directory_extension_path: Path | None = None  # None: the extension file beside the directory, if any
    sms_api_url: str = ""
    log_level: str = "INFO"
    api_keys_path: Path | None = None  # the agencies' API key hashes (devstack.keys)

    @property
    def kafka_bootstrap_servers(self) -> str:
        return self.kafka.bootstrap_servers

    def environment(self, http_port: int, service: str) -> dict[str, str]:
        """What `service` is told: its HTTP port, and its own Kafka login (KAFKA_SASL_*)."""
        return {
            **self.kafka.environment(service),
            "MONGODB_URL": self.mongodb_url,
            "MONGODB_DATABASE": service,  # each service its own database, named after it
            "HTTP_HOST": LOOPBACK,
            "HTTP_PORT": str(http_port),
            "DIRECTORY_PATH": str(self.directory_path),
            "DIRECTORY_EXTENSION_PATH": str(self.directory_extension_path or ""),
            "POLICY_PATH": str(self.policy_path),
            "SMTP_HOST": self.smtp_host,
            "SMTP_PORT": str(self.smtp_port),
            "SMS_API_URL": self.sms_api_url,
            "LOG_LEVEL": self.log_level,
            "API_KEYS_PATH": str(self.api_keys_path or ""),
            # The local SMS sink takes any credentials; a fresh one per run keeps secrets out of files.
            "SMS_AUTH_TOKEN": _RUN_SMS_TOKEN,
        }


BY_CONCEPT = ("tracking", "oversight")  # organised by concept, their app at the top of the package


def app_module(service: str) -> str:
    """Where a service's `create_app(settings)` lives: tracking and oversight are organised by
    concept, with the app at the top; the others keep theirs in entrypoints/."""
    return f"{service}.app" if service in BY_CONCEPT else f"{service}.entrypoints.app"


def replica_name(service: str, replica: int) -> str:
    """How a replica is named in logs and in `RunningServices`: the first by its service's name, the
    others numbered from 2 (`tracking`, `tracking-2`)."""
    return service if replica == 1 else f"{service}-{replica}"


@dataclass
class RunningService:
    name: str
    base_url: str
    process: ManagedProcess
    service: str = ""  # the service it is a replica of (its name, for the first replica)

    def __post_init__(self) -> None:
        self.service = self.service or self.name

    def is_ready(self) -> bool:
        """/ready answers 200 once the service's broker connection is up."""
        return httpx.get(f"{self.base_url}/ready", timeout=2).status_code == 200

    def crash_and_restart(self, timeout: float = 60.0) -> None:
        """kill -9, then start it again as it was started (same port, same environment)."""
        self.process.kill()
        self.process.start()
        self.process.wait_until(self.is_ready, timeout, f"{self.name} /ready after a restart")


@dataclass
class RunningServices:
    services: dict[str, RunningService] = field(default_factory=dict)

    @property
    def urls(self) -> dict[str, str]:
        """Base URL per service name, e.g. {"intake": "http://127.0.0.1:40123"}."""
        return {name: service.base_url for name, service in self.services.items()}

    def __getitem__(self, name: str) -> RunningService:
        return self.services[name]

    def replicas(self, service: str) -> list[RunningService]:
        """Every running replica of `service`, the first first."""
        return [running for running in self.services.values() if running.service == service]

    def stop(self, timeout: float = 15.0) -> None:
        # Reverse start order: consumers of an event stop before its producers.
        for service in reversed(list(self.services.values())):
            service.process.stop(timeout=timeout)


def start_services(
    workdir: Path,
    settings: ServiceSettings,
    *,
    names: Iterable[str] = SERVICE_NAMES,
    timeout: float = 60.0,
    extra_env: Mapping[str, str] | None = None,
    replicas: int = 1,
) -> RunningServices:
    """Start every service first (they boot in parallel), then wait for each /ready. With `replicas`
    above 1, each service runs that many processes, alike but for their HTTP port, in the same
    consumer groups: Kafka splits each topic's partitions between them, as between a Deployment's pods."""
    workdir.mkdir(parents=True, exist_ok=True)
    running = RunningServices()
    try:
        for service in names:
            for replica in range(1, replicas + 1):
                name, port = replica_name(service, replica), free_port()
                env = {**os.environ, **settings.environment(port, service), **(extra_env or {})}
                env["PYTHONUNBUFFERED"] = "1"  # log lines reach the log file as they happen
                process = ManagedProcess(
                    name, [venv_script(f"referral-{service}")], log_path=workdir / f"{name}.log", env=env
                ).start()
                running.services[name] = RunningService(name, f"http://{LOOPBACK}:{port}", process, service)
        for service in running.services.values():
            service.process.wait_until(service.is_ready, timeout, f"{service.name} /ready")
    except BaseException:
        running.stop()
        raise
    return running
