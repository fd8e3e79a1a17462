"""Agencies that publish to Kafka directly send the same payload as `POST /v1/referrals`."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage

from referral_contracts import ReferralRequest, topics, utc_now
from service_kit.messaging import KafkaEventBus, correlation_id_of, subscribe

from ..service_layer.intake import submit_referral

GROUP = "intake"


def register_inbound_subscribers(broker: KafkaBroker, bus: KafkaEventBus) -> None:
    async def on_referral(request: ReferralRequest, message: KafkaMessage) -> None:
        await submit_referral(request, bus=bus, correlation_id=correlation_id_of(message), now=utc_now())

    subscribe(broker, bus, topic=topics.REFERRALS_INBOUND, model=ReferralRequest, group_id=GROUP, handle=on_referral)
