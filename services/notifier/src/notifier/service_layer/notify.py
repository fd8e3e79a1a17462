"""Tell the sending agency what it needs to know: its loop closed, or triage needs more from it.

Exactly once in effect: each delivery goes through the ledger, so a redelivered event sends
nothing already sent. Failures are never swallowed:
- a transient one (SMTP or store down) propagates, and the subscription retries the record;
- an `Undeliverable` one (no such agency, no contact) propagates too, for the entrypoint to
  dead-letter the record where people see it.
Logs name ids only: never a person's name or an email address.
"""

from __future__ import annotations

import logging

from referral_contracts import Event, EscalationRaised, ReferralClosed, ReferralTriaged, utc_now
from referral_contracts.directory import Directory

from ..adapters.delivery_ledger import DeliveryLedger
from ..adapters.email_sender import EmailSender
from ..domain import (
    EMAIL,
    Notice,
    clarification_request,
    closure_notice,
    closure_recipients,
    compose_email,
    escalation_notice,
    lead_recipients,
    message_id,
)

log = logging.getLogger(__name__)


async def notify_closure(
    event: ReferralClosed, *, directory: Directory, ledger: DeliveryLedger, sender: EmailSender, from_address: str,
) -> list[str]:
    """The recipients emailed by this call (those already emailed before are left out)."""
    recipients = closure_recipients(directory, event.data.source_agency_id)
    return await _deliver(closure_notice(event, directory), event=event, recipients=recipients,
                          ledger=ledger, sender=sender, from_address=from_address, what="closure notice")


async def request_clarification(
    event: ReferralTriaged, *, directory: Directory, ledger: DeliveryLedger, sender: EmailSender, from_address: str,
) -> list[str]:
    """Ask the sender, the same day, for the information triage found missing."""
    notice = clarification_request(event)
    if notice is None:
        return []
    recipients = closure_recipients(directory, event.data.source_agency_id or "")
    return await _deliver(notice, event=event, recipients=recipients, ledger=ledger, sender=sender,
                          from_address=from_address, what="clarification request")


async def escalate(
    event: EscalationRaised, *, directory: Directory, ledger: DeliveryLedger, sender: EmailSender, from_address: str,
) -> list[str]:
    """Tell the named lead of the accountable agency that a deadline is near or missed."""
    recipients = lead_recipients(directory, event.data.agency_id, event.data.role)
    return await _deliver(escalation_notice(event), event=event, recipients=recipients, ledger=ledger,
                          sender=sender, from_address=from_address, what=f"escalation {event.data.step.value}")


async def _deliver(
    notice: Notice, *, event: Event, recipients: list[str], ledger: DeliveryLedger, sender: EmailSender,
    from_address: str, what: str,
) -> list[str]:
    emailed: list[str] = []
    for recipient in recipients:
        if not await ledger.claim(event.event_id, EMAIL, recipient):
            continue
        email = compose_email(
            notice, sender=from_address, recipient=recipient,
            message_id=message_id(event.event_id, EMAIL, recipient), sent_at=utc_now(),
        )
        await sender.send(email)
        await ledger.mark_sent(event.event_id, EMAIL, recipient)
        emailed.append(recipient)
    log.info("%s for referral %s (event %s): %d sent, %d already sent before",
             what, event.referral_id, event.event_id, len(emailed), len(recipients) - len(emailed))
    return emailed
