"""Agencies that publish to Kafka directly: the same payloads as the HTTP API.

A record that breaks its contract goes to the dead-letter topic with the reason; the consumer
goes on. Nothing is dropped silently.
"""

from __future__ import annotations

import logging
from uuid import UUID, uuid4

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from referral_contracts import MilestoneReport, ReferralRequest, topics, utc_now
from referral_contracts.codec import HEADER_CORRELATION_ID, Rejected, decode
from referral_contracts.kafka import SUBSCRIBER_DEFAULTS, KafkaEventBus

from ..service_layer.intake import record_milestone, submit_referral

log = logging.getLogger(__name__)
GROUP = "intake"


def correlation_id_of(message: KafkaMessage) -> UUID:
    try:
        return UUID(message.headers.get(HEADER_CORRELATION_ID, ""))
    except ValueError:
        return uuid4()


def register_inbound_subscribers(broker: KafkaBroker, bus: KafkaEventBus) -> None:
    @broker.subscriber(topics.REFERRALS_INBOUND, group_id=GROUP, **SUBSCRIBER_DEFAULTS)
    async def on_referral(message: KafkaMessage) -> None:
        try:
            request = decode(ReferralRequest, message.body)
        except Rejected as rejected:
            log.warning("inbound referral dead-lettered: %s", rejected.reason)
            await bus.dead_letter(message, rejected.reason)
            return
        await submit_referral(request, bus=bus, correlation_id=correlation_id_of(message), now=utc_now())

    @broker.subscriber(topics.MILESTONES_INBOUND, group_id=GROUP, **SUBSCRIBER_DEFAULTS)
    async def on_milestone(message: KafkaMessage) -> None:
        try:
            report = decode(MilestoneReport, message.body)
        except Rejected as rejected:
            log.warning("inbound milestone dead-lettered: %s", rejected.reason)
            await bus.dead_letter(message, rejected.reason)
            return
        await record_milestone(
            report.referral_id,
            report.milestone(),
            bus=bus,
            correlation_id=correlation_id_of(message),
            now=utc_now(),
        )
