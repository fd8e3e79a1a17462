"""The projection's subscription: `referral.changes.v1`, a whole consumer batch at a time."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from referral_contracts import topics
from referral_contracts.changes import ReferralChanged
from service_kit.messaging import KafkaEventBus, subscribe
from service_kit.records import Record

from ..config import GROUP
from .service import project
from .store import ReferralProjection


def register_projection(broker: KafkaBroker, bus: KafkaEventBus, projection: ReferralProjection) -> None:
    async def on_changes(batch: list[tuple[ReferralChanged, Record]]) -> None:
        await project([change for change, _ in batch], projection=projection)

    subscribe(broker, bus, topic=topics.REFERRAL_CHANGES, model=ReferralChanged, group_id=GROUP,
              handle_batch=on_changes)
