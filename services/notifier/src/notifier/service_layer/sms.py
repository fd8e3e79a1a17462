"""Escalations by SMS to the named lead's phone, with retries, and a recorded failure if it fails.

Transient provider failures are retried with exponential backoff (tenacity). When SMS cannot be
delivered, the failure goes to tracking's audit as NotificationFailed; the lead still has the
e-mail, which is sent for every escalation (the fallback channel).
"""

from __future__ import annotations

import logging

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from referral_contracts import Actor, DeliveryFailure, EscalationRaised, NotificationFailed, derived_id, topics
from referral_contracts.directory import Directory
from service_kit.messaging import EventPublisher

from ..adapters.delivery_ledger import DeliveryLedger
from ..adapters.sms_sender import PermanentDeliveryError, SmsSender, TransientDeliveryError
from ..domain import SMS, SMS_STEPS, escalation_sms, lead_phones

log = logging.getLogger(__name__)
NOTIFIER = Actor(agency_id="platform-notifier")


async def text_escalation(
    event: EscalationRaised, *, directory: Directory, ledger: DeliveryLedger, sms: SmsSender,
    bus: EventPublisher, attempts: int, base_seconds: float,
) -> list[str]:
    """The phones texted by this call; none for rungs that do not warrant an SMS."""
    escalation = event.data
    if escalation.step not in SMS_STEPS:
        return []
    texted: list[str] = []
    for phone in lead_phones(directory, escalation.agency_id, escalation.role):
        if not await ledger.claim(event.event_id, SMS, phone):
            continue
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(TransientDeliveryError), stop=stop_after_attempt(attempts),
                wait=wait_exponential(multiplier=base_seconds), reraise=True,
            ):
                with attempt:
                    await sms.send(to=phone, body=escalation_sms(event))
        except (TransientDeliveryError, PermanentDeliveryError) as failure:
            log.warning("escalation %s for referral %s: SMS failed (%s)", event.event_id, event.referral_id, failure)
            await bus.publish(topics.NOTIFICATION_OUTCOMES, NotificationFailed.create(
                event_id=derived_id(event.event_id, "sms-failed", phone), referral_id=event.referral_id,
                correlation_id=event.correlation_id, causation_id=event.event_id, actor=NOTIFIER,
                data=DeliveryFailure(channel=SMS, purpose=f"escalation {escalation.step.value}",
                                         agency_id=escalation.agency_id, role=escalation.role,
                                         reason=str(failure), fallback="email"),
            ))
            continue
        await ledger.mark_sent(event.event_id, SMS, phone)
        texted.append(phone)
    return texted
