"""Tracking's subscriptions: every event that moves a referral, from whichever topic it comes."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage

from referral_contracts import Event, MilestoneRecorded, ReferralSubmitted, ReferralTriaged, topics
from service_kit.messaging import KafkaEventBus, subscribe

from ..adapters.referral_store import ReferralStore
from ..service_layer.tracking import apply_event

GROUP = "tracking"
SUBSCRIPTIONS: dict[str, type[Event]] = {
    topics.REFERRAL_SUBMITTED: ReferralSubmitted,
    topics.REFERRAL_TRIAGED: ReferralTriaged,
    topics.REFERRAL_MILESTONES: MilestoneRecorded,
}


def register_event_subscribers(broker: KafkaBroker, bus: KafkaEventBus, store: ReferralStore) -> None:
    async def on_event(event: Event, _: KafkaMessage) -> None:
        await apply_event(event, store=store, bus=bus)

    for topic, model in SUBSCRIPTIONS.items():
        subscribe(broker, bus, topic=topic, model=model, group_id=GROUP, handle=on_event)
