"""The notifier's subscriptions: closures, clarification requests and escalations from tracking
and triage, each delivered through the same once-in-effect path."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from faststream.kafka import KafkaBroker
from pydantic import RootModel

from referral_contracts import ClosureMessage, EscalationMessage, Event, ReferralTriaged, topics
from referral_contracts.listings import Listing, apply_listing
from service_kit.messaging import KafkaEventBus, subscribe
from service_kit.records import Record

from ..domain import Undeliverable
from ..service_layer.deliveries import Channels
from ..service_layer.notify import escalate, notify_closure, request_clarification

GROUP = "notifier"
log = logging.getLogger(__name__)


def register_subscribers(broker: KafkaBroker, bus: KafkaEventBus, channels: Channels) -> None:
    def dead_lettered_if_undeliverable(what: str, deliver: Callable[[Event, Channels], Awaitable[object]]):
        """Retrying cannot help an undeliverable notice until the directory changes, and retrying
        forever would block every later record on the partition: dead-letter it, visibly."""

        async def handle(message: Event | RootModel, record: Record) -> None:
            event = message.root if isinstance(message, RootModel) else message
            try:
                await deliver(event, channels)
            except Undeliverable as undeliverable:
                log.error("%s for referral %s undeliverable: %s", what, event.referral_id, undeliverable.reason)
                await bus.dead_letter(record, undeliverable.reason)

        return handle

    for topic, model, what, deliver in (
        (topics.REFERRAL_ESCALATIONS, EscalationMessage, "escalation", escalate),  # either version
        (topics.REFERRAL_CLOSED, ClosureMessage, "closure notice", notify_closure),  # either version
        (topics.REFERRAL_TRIAGED, ReferralTriaged, "clarification request", request_clarification),
    ):
        subscribe(broker, bus, topic=topic, model=model, group_id=GROUP,
                  handle=dead_lettered_if_undeliverable(what, deliver))

    async def on_listing(listing: Listing, _: Record) -> None:
        channels.directory = apply_listing(channels.directory, listing.root)

    # No consumer group: every start reads every listing over the directory file, as triage does.
    subscribe(broker, bus, topic=topics.DIRECTORY_AGENCIES, model=Listing, group_id=None, handle=on_listing)
