"""The platform's topics, declared: created with the partitions, replication and configs each
needs (referral_contracts.topics.topic_config), the same way locally and in a cluster."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from referral_contracts.directory import Directory
from referral_contracts.topics import ALL_TOPICS, agency_topics, replicated_config, topic_config

from .login import KafkaLogin

TOPIC_ALREADY_EXISTS = 36  # Kafka's error code when another client created it first
# The controller answers CreateTopics before every broker's metadata lists the new topics (seen
# once in CI: a topic just created was absent from the next listing), so the listing is polled.
METADATA_WAIT_SECONDS = 30.0


class TopicsNotCreated(Exception):
    """Kafka refused some topics, or they are still not listed after METADATA_WAIT_SECONDS."""


def broker_config(replicas: int) -> dict[str, str]:
    """The brokers' own settings for a cluster keeping `replicas` copies: Kafka's internal topics
    (consumer offsets, transactions, share groups) and any topic made without the platform's configs
    are as safe as the platform's topics (referral_contracts.topics.replicated_config: a write is
    acknowledged by all copies but one, a copy that fell behind never leads), and no topic is ever
    made by a client's mistake. The local cluster (devstack) and Strimzi's `Kafka` resource
    (referral_ops.manifests) both take them from here."""
    min_isr = str(max(1, replicas - 1))
    config = {f"{name}.replication.factor": str(replicas)
              for name in ("offsets.topic", "transaction.state.log", "share.coordinator.state.topic", "default")}
    config |= {f"{name}.min.isr": min_isr for name in ("transaction.state.log", "share.coordinator.state.topic")}
    return config | replicated_config(replicas) | {"auto.create.topics.enable": "false"}


def platform_topics(directory: Path | Directory) -> tuple[str, ...]:
    """Every topic of the platform, with the topics of each agency in the directory (a path to it,
    or the directory itself)."""
    listed = directory if isinstance(directory, Directory) else Directory.load(directory)
    return ALL_TOPICS + agency_topics(agency.id for agency in listed.agencies)


async def apply_topics(login: KafkaLogin, topics: Iterable[str], *, partitions: int, replication: int) -> list[str]:
    """Create the topics that do not exist yet; returns those created. Existing ones are left as
    they are (changing partitions or configs of a live topic is an operator's deliberate act).
    `login` must be allowed to create topics (on the local broker: the admin, a super user)."""
    wanted = list(topics)
    admin = AIOKafkaAdminClient(**login.aiokafka(), request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, partitions, replication, topic_configs=topic_config(t, replication))
                   for t in wanted if t not in existing]
        if missing:
            response = await admin.create_topics(missing)
            errors = [(e[0], e[1]) for e in response.topic_errors if e[1] not in (0, TOPIC_ALREADY_EXISTS)]
            if errors:
                raise TopicsNotCreated(f"Kafka refused to create topics: {errors}")
        absent = await _absent_after_waiting(admin, set(wanted))
        if absent:
            raise TopicsNotCreated(f"topics still missing {METADATA_WAIT_SECONDS:.0f} s after creation: {sorted(absent)}")
        return [t.name for t in missing]
    finally:
        await admin.close()


async def _absent_after_waiting(admin: AIOKafkaAdminClient, wanted: set[str]) -> set[str]:
    """The wanted topics the cluster's metadata still does not list after METADATA_WAIT_SECONDS."""
    deadline = time.monotonic() + METADATA_WAIT_SECONDS
    while (absent := wanted - set(await admin.list_topics())) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return absent
