"""What the notifier tells whom: the sender that its loop closed or that triage needs more from
it, and the named leads of an agency that a referral needs them (escalations, by e-mail and SMS).

Each goes through `deliver` (once in effect, retried, reported to tracking). A notice nobody can
receive raises `Undeliverable`, for the entrypoint to dead-letter the record where people see it.
"""

from __future__ import annotations

from referral_contracts import EscalationRaised, ReferralClosed, ReferralClosedV2, ReferralTriaged, utc_now
from referral_contracts.directory import LeadRole

from ..domain import (
    EMAIL,
    SMS,
    SMS_STEPS,
    Notice,
    clarification_request,
    closure_notice,
    compose_email,
    escalation_notice,
    escalation_sms,
    lead_phones,
    lead_recipients,
    message_id,
)
from ..adapters.delivery_ledger import delivery_key
from .deliveries import Audience, Channels, deliver


async def notify_closure(event: ReferralClosed | ReferralClosedV2, channels: Channels) -> list[str]:
    """The referral contacts emailed by this call (those already emailed before are left out)."""
    sender = event.data.source_agency_id
    audience = Audience(sender, LeadRole.REFERRAL_CONTACT,
                        lead_recipients(channels.directory, sender, LeadRole.REFERRAL_CONTACT))
    return await _email(channels, closure_notice(event, channels.directory), event, audience, "closure notice")


async def request_clarification(event: ReferralTriaged, channels: Channels) -> list[str]:
    """Ask the sender, the same day, for the information triage found missing."""
    notice = clarification_request(event)
    if notice is None:
        return []
    sender = event.data.source_agency_id or ""
    audience = Audience(sender, LeadRole.REFERRAL_CONTACT,
                        lead_recipients(channels.directory, sender, LeadRole.REFERRAL_CONTACT))
    return await _email(channels, notice, event, audience, "clarification request")


async def escalate(event: EscalationRaised, channels: Channels) -> list[str]:
    """Tell the named lead of the accountable agency what needs doing: always by e-mail, and by
    SMS too for the rungs that cannot wait. Returns every address and number reached by this call."""
    e, purpose = event.data, f"escalation {event.data.step.value}"
    audience = Audience(e.agency_id, e.role, lead_recipients(channels.directory, e.agency_id, e.role))
    reached = await _email(channels, escalation_notice(event), event, audience, purpose)
    if channels.sms is None or e.step not in SMS_STEPS:
        return reached
    sms, body = channels.sms, escalation_sms(event)

    async def text(phone: str) -> None:
        await sms.send(to=phone, body=body, idempotency_key=delivery_key(event.event_id, SMS, phone))

    phones = Audience(e.agency_id, e.role, lead_phones(channels.directory, e.agency_id, e.role))
    return reached + await deliver(channels, event=event, channel=SMS, audience=phones, purpose=purpose,
                                   send=text, fallback=EMAIL)


async def _email(channels: Channels, notice: Notice, event, audience: Audience, purpose: str) -> list[str]:
    async def send(recipient: str) -> None:
        await channels.email.send(compose_email(
            notice, sender=channels.from_address, recipient=recipient,
            message_id=message_id(event.event_id, EMAIL, recipient), sent_at=utc_now()))

    return await deliver(channels, event=event, channel=EMAIL, audience=audience, purpose=purpose, send=send)
