"""The directory triage routes with, kept current by capacity changes from the capacity topic."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID, uuid4

from referral_contracts import Actor, CapacityChange, CapacityChanged, topics
from referral_contracts.directory import Directory
from referral_contracts.listings import AgencyDelisted, AgencyListed, apply_listing
from service_kit.messaging import EventPublisher

from ..domain import ServiceOfAnotherAgency, UnknownService, check_capacity_change

log = logging.getLogger(__name__)


class LiveDirectory:
    """The directory file as loaded, with every listing (a directory re-imported while running) and
    every capacity change since applied in topic order.

    Only the subscriptions change it; the HTTP endpoint publishes and does not apply, so every
    triage instance (and a restarted one, replaying the topics) holds the same directory."""

    def __init__(self, directory: Directory) -> None:
        self.current = directory

    def list(self, listing: AgencyListed | AgencyDelisted) -> None:
        """An agency listed again or delisted by a directory import (directory.agencies.v1)."""
        self.current = apply_listing(self.current, listing)

    def apply(self, changed: CapacityChanged) -> None:
        try:
            check_capacity_change(self.current, changed.service_id, changed.data.agency_id)
        except (UnknownService, ServiceOfAnotherAgency) as problem:
            # The directory file changed since the record was written: the record no longer applies.
            log.warning("capacity change %s ignored: %s", changed.event_id, problem)
            return
        self.current = self.current.with_capacity(changed.service_id, changed.data.capacity)


async def request_capacity_change(
    service_id: str,
    change: CapacityChange,
    *,
    actor: Actor,
    directory: Directory,
    bus: EventPublisher,
    correlation_id: UUID,
    now: datetime,
) -> CapacityChanged:
    """Publish a capacity change for a service of the directory, by the agency that runs it;
    raises UnknownService or ServiceOfAnotherAgency otherwise."""
    check_capacity_change(directory, service_id, change.agency_id)
    event = CapacityChanged.create(
        event_id=uuid4(), service_id=service_id, correlation_id=correlation_id, actor=actor, data=change,
        occurred_at=now,
    )
    await bus.publish(topics.DIRECTORY_CAPACITY, event)
    return event
