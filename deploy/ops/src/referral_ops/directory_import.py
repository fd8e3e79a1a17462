"""Importing a changed directory into the running platform: no restart, every change an event.

The directory the platform routes with now is asked of triage (`GET /v1/directory`); what the new
one changes is `referral_contracts.listings.directory_diff`; the changes are published as listings
on `directory.agencies.v1` and capacity changes on `directory.capacity.v1`, which triage and the
notifier read as they run. An agency new to the platform first gets its topics and its ACLs.
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaProducer

from referral_contracts import Actor, CapacityChange, CapacityChanged, topics, utc_now
from referral_contracts.codec import encode, event_headers, event_key
from referral_contracts.directory import Directory
from referral_contracts.envelope import EventBase
from referral_contracts.listings import AgencyDelisted, AgencyListed, Delisting, DirectoryDiff

from .acls import apply_acls, platform_acls
from .login import KafkaLogin
from .topics import apply_topics

OPERATIONS = Actor(agency_id="platform-operations")  # who acts when the directory is re-imported


class CurrentDirectoryUnknown(RuntimeError):
    """Triage could not say which directory the platform routes with now."""


def current_directory(triage_url: str, key: str) -> Directory:
    response = httpx.get(f"{triage_url}/v1/directory", headers={"Authorization": f"Bearer {key}"}, timeout=15)
    if response.status_code != 200:
        raise CurrentDirectoryUnknown(f"triage answered {response.status_code}: {response.text[:300]}")
    return Directory.model_validate(response.json())


def listing_events(diff: DirectoryDiff, now: datetime) -> list[tuple[str, EventBase]]:
    """The events that carry the diff, each with its topic: listings first, then capacity."""
    correlation_id = uuid4()  # one import: one correlation id for all it publishes
    events: list[tuple[str, EventBase]] = [
        (topics.DIRECTORY_AGENCIES, AgencyListed.create(agency_id=agency.id, correlation_id=correlation_id,
                                                        actor=OPERATIONS, occurred_at=now, data=agency))
        for agency in diff.listed]
    events += [(topics.DIRECTORY_AGENCIES, AgencyDelisted.create(
        agency_id=agency_id, correlation_id=correlation_id, actor=OPERATIONS, occurred_at=now,
        data=Delisting(reason="not in the directory imported"))) for agency_id in diff.delisted]
    events += [(topics.DIRECTORY_CAPACITY, CapacityChanged.create(
        service_id=service_id, correlation_id=correlation_id, actor=OPERATIONS, occurred_at=now,
        data=CapacityChange(agency_id=agency_id, capacity=capacity, reason_text="directory re-imported")))
        for agency_id, service_id, capacity in diff.capacity]
    return events


async def publish_import(login: KafkaLogin, diff: DirectoryDiff, new: Directory, *, partitions: int,
                         replication: int) -> int:
    """Give new agencies their topics and ACLs, then publish the diff; returns how many events."""
    if diff.added:
        await apply_topics(login, topics.agency_topics(diff.added), partitions=partitions, replication=replication)
        apply_acls(login, platform_acls(agency.id for agency in new.agencies))
    events = listing_events(diff, utc_now())
    producer = AIOKafkaProducer(**login.aiokafka(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for topic, event in events:
            await producer.send_and_wait(topic, encode(event), key=event_key(event),
                                         headers=[(k, v.encode()) for k, v in event_headers(event).items()])
    finally:
        await producer.stop()
    return len(events)
