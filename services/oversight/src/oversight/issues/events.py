"""The issue log's subscription: tracking's flags (`referral.flags.v1`). Repeated crises raise or
add to an entry; the other flags (duplicates linked, unknown outcomes) reach oversight as the
referral's state (`referral.changed`), so they are read and left."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from referral_contracts import ReferralFlag, RepeatedCrisis, topics
from service_kit.messaging import KafkaEventBus, subscribe
from service_kit.records import Record

from ..config import GROUP
from .service import note_repeated_crisis
from .store import IssueLog


def register_flags(broker: KafkaBroker, bus: KafkaEventBus, issues: IssueLog) -> None:
    async def on_flag(flag: ReferralFlag, _: Record) -> None:
        if isinstance(flag.root, RepeatedCrisis):
            await note_repeated_crisis(flag.root, issues=issues)

    subscribe(broker, bus, topic=topics.REFERRAL_FLAGS, model=ReferralFlag, group_id=GROUP, handle=on_flag)
