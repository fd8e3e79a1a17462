"""Agencies that publish to Kafka directly send the same payload as `POST /v1/referrals`, each to
its own topic (`referrals.inbound.v1.<agency id>`, writable only by that agency under Kafka's ACLs):
a referral whose source agency is not the topic's is dead-lettered, as a request with another
agency's key is refused over HTTP."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from referral_contracts import ReferralRequest, topics, utc_now
from service_kit.messaging import KafkaEventBus, correlation_id_of, subscribe
from service_kit.records import Record

from ..service_layer.intake import submit_referral

GROUP = "intake"


def register_inbound_subscribers(broker: KafkaBroker, bus: KafkaEventBus) -> None:
    async def on_referral(request: ReferralRequest, record: Record) -> None:
        agency = topics.inbound_agency(record.topic)
        if request.source_agency_id != agency:
            await bus.dead_letter(record, f"source_agency_id: {request.source_agency_id} may not be sent on "
                                           f"{agency}'s inbound topic")
            return
        await submit_referral(request, bus=bus, correlation_id=correlation_id_of(record), now=utc_now())

    subscribe(broker, bus, topic=topics.REFERRALS_INBOUND_PATTERN, pattern=True, model=ReferralRequest,
              group_id=GROUP, handle=on_referral)
