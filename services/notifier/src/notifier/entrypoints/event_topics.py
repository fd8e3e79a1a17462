"""The notifier's subscription: closure messages from tracking, emailed to the sender."""

from __future__ import annotations

import logging

from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage

from referral_contracts import EscalationRaised, ReferralClosed, ReferralTriaged, topics
from referral_contracts.directory import Directory
from service_kit.messaging import KafkaEventBus, subscribe

from ..adapters.delivery_ledger import DeliveryLedger
from ..adapters.email_sender import EmailSender
from ..adapters.sms_sender import SmsSender
from ..domain import Undeliverable
from ..service_layer.notify import escalate, notify_closure, request_clarification
from ..service_layer.sms import text_escalation

GROUP = "notifier"
log = logging.getLogger(__name__)


def register_closure_subscriber(
    broker: KafkaBroker,
    bus: KafkaEventBus,
    *,
    directory: Directory,
    ledger: DeliveryLedger,
    sender: EmailSender,
    from_address: str,
    sms: SmsSender | None = None,
    sms_retry: tuple[int, float] = (3, 0.5),
) -> None:
    async def on_closed(event: ReferralClosed, message: KafkaMessage) -> None:
        try:
            await notify_closure(event, directory=directory, ledger=ledger, sender=sender, from_address=from_address)
        except Undeliverable as undeliverable:
            # Retrying cannot help until the directory changes, and retrying forever would block
            # every later closure on this partition: dead-letter it, visibly, for a replay.
            log.error("closure of referral %s undeliverable: %s", event.referral_id, undeliverable.reason)
            await bus.dead_letter(message, undeliverable.reason)

    async def on_triaged(event: ReferralTriaged, message: KafkaMessage) -> None:
        try:
            await request_clarification(event, directory=directory, ledger=ledger, sender=sender,
                                        from_address=from_address)
        except Undeliverable as undeliverable:
            log.error("clarification for referral %s undeliverable: %s", event.referral_id, undeliverable.reason)
            await bus.dead_letter(message, undeliverable.reason)

    async def on_escalation(event: EscalationRaised, message: KafkaMessage) -> None:
        try:
            await escalate(event, directory=directory, ledger=ledger, sender=sender, from_address=from_address)
            if sms is not None:
                await text_escalation(event, directory=directory, ledger=ledger, sms=sms, bus=bus,
                                      attempts=sms_retry[0], base_seconds=sms_retry[1])
        except Undeliverable as undeliverable:
            log.error("escalation for referral %s undeliverable: %s", event.referral_id, undeliverable.reason)
            await bus.dead_letter(message, undeliverable.reason)

    subscribe(broker, bus, topic=topics.REFERRAL_ESCALATIONS, model=EscalationRaised, group_id=GROUP,
              handle=on_escalation)
    subscribe(broker, bus, topic=topics.REFERRAL_CLOSED, model=ReferralClosed, group_id=GROUP, handle=on_closed)
    subscribe(broker, bus, topic=topics.REFERRAL_TRIAGED, model=ReferralTriaged, group_id=GROUP, handle=on_triaged)
