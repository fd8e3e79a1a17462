"""The stack the benchmarks measure, started as `make run` starts it: Kafka, the store (or a given
MongoDB), an SMTP sink, API keys for the demo directory, and the five services as processes; or as
`make cluster` starts it: three Kafka nodes and several replicas of each service."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from devstack.kafka import LocalKafka, start_kafka
from devstack.kafka_cluster import LocalKafkaCluster, start_kafka_cluster
from devstack.keys import LocalKeys, issue_local_keys
from devstack.paths import demo_file
from devstack.services import RunningServices, ServiceSettings, start_services
from devstack.smtp_sink import start_smtp_sink
from devstack.store import start_store


@dataclass
class GivenStore:
    """MONGODB_URL: a real mongod (a disposable one: the run writes its `tracking` database)."""

    url: str
    process: None = None

    def stop(self) -> None:  # not ours to stop
        return None


@dataclass
class BenchStack:
    kafka: LocalKafka | LocalKafkaCluster
    store: object  # devstack's LocalStore, or a GivenStore
    keys: LocalKeys
    services: RunningServices
    _stops: tuple
    work: Path  # logs and data: kafka/, store/, services/

    def stop(self) -> None:
        for stop in self._stops:
            stop()


def start_stack(prefix: str, extra_env: dict[str, str] | None = None, *, brokers: int = 1,
                replicas: int = 1) -> BenchStack:
    """`extra_env`: more environment for every service (e.g. store_figures.ENVIRONMENT); `brokers=3`:
    the three-node cluster (devstack.kafka_cluster); `replicas`: processes per service."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    kafka = start_kafka_cluster(work / "kafka") if brokers > 1 else start_kafka(work / "kafka")
    store = (GivenStore(os.environ["MONGODB_URL"]) if os.environ.get("MONGODB_URL")
             else start_store(work / "store", cache_size=os.environ.get("BENCH_STORE_CACHE")))  # e.g. 6G
    smtp = start_smtp_sink(work / "smtp")
    keys = issue_local_keys(work / "keys", demo_file("hsds"))
    settings = ServiceSettings(kafka=kafka.access, mongodb_url=store.url,
                               directory_path=demo_file("hsds"), policy_path=demo_file("policy.yaml"),
                               smtp_host=smtp.host, smtp_port=smtp.port, api_keys_path=keys.hashes_path,
                               log_level="WARNING")
    services = start_services(work / "services", settings, extra_env=extra_env, replicas=replicas)
    return BenchStack(kafka, store, keys, services, (services.stop, smtp.stop, store.stop, kafka.stop), work)
