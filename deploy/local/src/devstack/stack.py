"""The whole local platform as one context manager: infrastructure first, then the services.

Everything started is registered on an ExitStack as it starts, so whatever happens (an
exception half-way, Ctrl-C, SIGTERM) exactly what was started is stopped, in reverse order.
"""

from __future__ import annotations

import dataclasses
import os
import signal
from contextlib import ExitStack
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from .clock import PlatformClock
from .kafka import LocalKafka, broker_answers, existing_kafka, start_kafka
from .kafka_cluster import CLUSTER_PARTITIONS, LocalKafkaCluster, start_kafka_cluster
from .kafka_access import KafkaAccess
from .keys import LocalKeys, issue_local_keys
from .paths import demo_file, new_run_dir
from .processes import ManagedProcess
from .services import RunningServices, ServiceSettings, start_services
from .sms_sink import SmsSink, start_sms_sink
from .sms_sink import _answers as sms_answers
from .smtp_sink import SmtpSink, start_smtp_sink
from .smtp_sink import _answers as smtp_answers
from .store import LocalStore, start_store, store_answers
from .supervisor import Part

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class LocalStack:
    """Kafka, the store, the SMTP sink and (unless `with_services=False`) the five services.

    Pass `kafka_bootstrap_servers` / `mongodb_url` to use an existing broker / MongoDB instead of
    starting one (the admin's login then comes from KAFKA_SASL_*; the topics, users and ACLs are
    still made on that broker). `brokers=3` starts a three-node Kafka cluster instead of one broker
    (topics of `partitions` partitions, three copies each: devstack.kafka_cluster) and `replicas=2`
    two processes of every service in its consumer groups.
    """

    def __init__(
        self,
        *,
        with_services: bool = True,
        directory_path: Path | None = None,
        directory_extension_path: Path | None = None,
        policy_path: Path | None = None,
        kafka_bootstrap_servers: str | None = None,
        mongodb_url: str | None = None,
        run_dir: Path | None = None,
        log_level: str = "INFO",
        demo_clock: bool = False,
        brokers: int = 1,
        replicas: int = 1,
        partitions: int = CLUSTER_PARTITIONS,
    ) -> None:
        self.with_services = with_services
        self.directory_path = directory_path or demo_file("hsds")
        self.directory_extension_path = directory_extension_path
        self.policy_path = policy_path or demo_file("policy.yaml")
        self.kafka_bootstrap_servers = kafka_bootstrap_servers
        self.mongodb_url = mongodb_url
        self.log_level = log_level
        self._run_dir = run_dir
        self.brokers, self.replicas, self.partitions = brokers, replicas, partitions
        self.kafka: LocalKafka | LocalKafkaCluster | None = None
        self.kafka_access: KafkaAccess | None = None  # who may log in to the broker, for this run
        self.store: LocalStore | None = None
        self.smtp: SmtpSink | None = None
        self.sms: SmsSink | None = None
        self.services: RunningServices | None = None
        self.keys: LocalKeys | None = None
        self.demo_clock = demo_clock
        self.clock: PlatformClock | None = None  # a clock the demo moves forward (CLOCK_OFFSET_FILE)
        self._resources = ExitStack()
        self._previous_handlers: dict[int, Any] = {}

    @property
    def run_dir(self) -> Path:
        if self._run_dir is None:
            self._run_dir = new_run_dir()
        return self._run_dir

    @property
    def service_urls(self) -> dict[str, str]:
        return self.services.urls if self.services else {}

    def __enter__(self) -> LocalStack:
        self._install_signal_handlers()
        try:
            self._start()
        except BaseException:
            self._shutdown()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._shutdown()

    def _start(self) -> None:
        run_dir = self.run_dir
        if self.kafka_bootstrap_servers is None:
            self.kafka = (start_kafka_cluster(run_dir / "kafka", brokers=self.brokers, partitions=self.partitions,
                                              directory_path=self.directory_path) if self.brokers > 1
                          else start_kafka(run_dir / "kafka", directory_path=self.directory_path))
            self._resources.callback(self.kafka.stop)
            self.kafka_access = self.kafka.access
            self.kafka_bootstrap_servers = self.kafka.bootstrap_servers
        else:
            self.kafka_access = existing_kafka(self.kafka_bootstrap_servers, run_dir / "kafka",
                                               directory_path=self.directory_path)
        if self.mongodb_url is None:
            self.store = start_store(run_dir / "store")
            self._resources.callback(self.store.stop)
            self.mongodb_url = self.store.url
        self.smtp = start_smtp_sink(run_dir / "smtp")
        self._resources.callback(self.smtp.stop)
        self.sms = start_sms_sink(run_dir / "sms")
        self._resources.callback(self.sms.stop)
        if self.with_services:
            for path in (self.directory_path, self.policy_path):
                if not path.exists():  # the directory may be an HSDS folder
                    raise FileNotFoundError(f"services need {path}, which does not exist")
            self.keys = issue_local_keys(run_dir / "keys", self.directory_path)
            settings = ServiceSettings(
                kafka=self.kafka_access,
                mongodb_url=self.mongodb_url,
                directory_path=self.directory_path,
                directory_extension_path=self.directory_extension_path,
                policy_path=self.policy_path,
                smtp_host=self.smtp.host,
                smtp_port=self.smtp.port,
                sms_api_url=self.sms.url,
                log_level=self.log_level,
                api_keys_path=self.keys.hashes_path,
            )
            extra_env = {}
            if self.demo_clock:
                self.clock = PlatformClock(run_dir / "clock-offset")
                # Quick sweeps and gauges for the demo, unless the shell says otherwise.
                extra_env = {"CLOCK_OFFSET_FILE": str(self.clock.path),
                             "SWEEP_SECONDS": os.environ.get("SWEEP_SECONDS") or "2",
                             "METRICS_SECONDS": os.environ.get("METRICS_SECONDS") or "5"}
            self.services = start_services(run_dir / "services", settings, extra_env=extra_env, replicas=self.replicas)
            self._resources.callback(self.services.stop)

    def parts(self) -> list[Part]:
        """Every process this stack started, with how to tell it serves: what the supervisor keeps up."""
        found: list[Part] = []
        if isinstance(self.kafka, LocalKafkaCluster):  # each node on its own: one may die alone
            for node_id, node in self.kafka.nodes.items():
                one = dataclasses.replace(self.kafka.access, bootstrap_servers=node.address)
                found.append(Part(f"kafka-{node_id}", node.process, lambda one=one: broker_answers(one)))
        elif self.kafka is not None:
            access = self.kafka.access
            found.append(Part("kafka", self.kafka.process, lambda: broker_answers(access),
                              url=None))
        if self.store is not None:
            url = self.store.url
            found.append(Part("store", self.store.process, lambda: store_answers(url)))
        if self.smtp is not None:
            smtp = self.smtp
            found.append(Part("smtp-sink", smtp.process, lambda: smtp_answers(smtp.host, smtp.port)))
        if self.sms is not None:
            sms = self.sms
            found.append(Part("sms-sink", sms.process, lambda: sms_answers(sms.url)))
        if self.services:
            found += [Part(s.name, s.process, s.is_ready, url=s.base_url) for s in self.services.services.values()]
        return found

    def processes(self) -> list[ManagedProcess]:
        """Every process this stack started, in start order."""
        found = list(self.kafka.processes) if self.kafka else []
        found += [r.process for r in (self.store, self.smtp, self.sms) if r is not None]
        if self.services:
            found += [s.process for s in self.services.services.values()]
        return found

    def exited_processes(self) -> list[ManagedProcess]:
        """Processes that stopped on their own: the stack is broken if this is not empty."""
        return [p for p in self.processes() if not p.is_running()]

    def _shutdown(self) -> None:
        # A second Ctrl-C while stopping must not abandon half-stopped children; every stop()
        # is bounded by its own SIGKILL timeout, so ignoring signals here cannot hang forever.
        if self._previous_handlers:
            for signum in _STOP_SIGNALS:
                signal.signal(signum, signal.SIG_IGN)
        try:
            self._resources.close()
        finally:
            self._restore_signal_handlers()

    def _install_signal_handlers(self) -> None:
        """SIGTERM (and SIGINT) become exceptions, so `with` blocks unwind and stop everything.

        Python can only set handlers on the main thread; elsewhere, the caller owns signals.
        """
        try:
            for signum in _STOP_SIGNALS:
                self._previous_handlers[signum] = signal.signal(signum, _raise_stop)
        except ValueError:
            self._restore_signal_handlers()

    def _restore_signal_handlers(self) -> None:
        for signum, handler in self._previous_handlers.items():
            # None means "set outside Python": the default action is the closest we can restore.
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous_handlers.clear()


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)
