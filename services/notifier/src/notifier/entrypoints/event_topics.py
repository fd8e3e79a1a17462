"""The notifier's subscription: closure messages from tracking, emailed to the sender."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage

from referral_contracts import Event, EscalationRaised, ReferralClosed, ReferralTriaged, topics
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


def register_subscribers(
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
    def dead_lettered_if_undeliverable(what: str, deliver: Callable[[Event], Awaitable[object]]):
        """Retrying cannot help an undeliverable notice until the directory changes, and retrying
        forever would block every later record on the partition: dead-letter it, visibly."""

        async def handle(event: Event, message: KafkaMessage) -> None:
            try:
                await deliver(event)
            except Undeliverable as undeliverable:
                log.error("%s for referral %s undeliverable: %s", what, event.referral_id, undeliverable.reason)
                await bus.dead_letter(message, undeliverable.reason)

        return handle

    emails = {"directory": directory, "ledger": ledger, "sender": sender, "from_address": from_address}

    async def escalate_by_email_and_sms(event: EscalationRaised) -> None:
        await escalate(event, **emails)
        if sms is not None:
            await text_escalation(event, directory=directory, ledger=ledger, sms=sms, bus=bus,
                                  attempts=sms_retry[0], base_seconds=sms_retry[1])

    on_escalation = dead_lettered_if_undeliverable("escalation", escalate_by_email_and_sms)
    on_closed = dead_lettered_if_undeliverable("closure notice", lambda e: notify_closure(e, **emails))
    on_triaged = dead_lettered_if_undeliverable("clarification request", lambda e: request_clarification(e, **emails))

    subscribe(broker, bus, topic=topics.REFERRAL_ESCALATIONS, model=EscalationRaised, group_id=GROUP,
              handle=on_escalation)
    subscribe(broker, bus, topic=topics.REFERRAL_CLOSED, model=ReferralClosed, group_id=GROUP, handle=on_closed)
    subscribe(broker, bus, topic=topics.REFERRAL_TRIAGED, model=ReferralTriaged, group_id=GROUP, handle=on_triaged)
