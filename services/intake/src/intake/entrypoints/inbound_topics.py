"""Agencies that publish to Kafka directly send the same payload as `POST /v1/referrals`, each to
its own topic (`referrals.inbound.v1.<agency id>`, writable only by that agency under Kafka's ACLs).
Each hears back on its own outbound topic: a receipt naming the referral id, or the refusal naming
every problem (a referral whose source agency is not the topic's is refused, as a request with
another agency's key is refused over HTTP)."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from referral_contracts import ReferralRequest, topics, utc_now
from referral_contracts.outbound import InboundPosition, RefusedKind
from service_kit.inbound import refusal_of, refuse_inbound
from service_kit.messaging import KafkaEventBus, correlation_id_of, subscribe
from service_kit.records import Record

from ..service_layer.intake import submit_referral

GROUP = "intake"


def register_inbound_subscribers(broker: KafkaBroker, bus: KafkaEventBus) -> None:
    async def on_referral(request: ReferralRequest, record: Record) -> None:
        agency = topics.inbound_agency(record.topic)
        if request.source_agency_id != agency:
            await refuse_inbound(bus, record, kind=RefusedKind.REFERRAL, problems=[(
                "source_agency_id", f"{request.source_agency_id} may not be sent on {agency}'s inbound topic")])
            return
        await submit_referral(request, bus=bus, correlation_id=correlation_id_of(record), now=utc_now(),
                              inbound=InboundPosition(topic=record.topic, partition=record.partition,
                                                      offset=record.offset))

    subscribe(broker, bus, topic=topics.REFERRALS_INBOUND_PATTERN, pattern=True, model=ReferralRequest,
              group_id=GROUP, handle=on_referral, on_refused=refusal_of(bus, RefusedKind.REFERRAL))
