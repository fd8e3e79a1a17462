"""SMS text: a reference, the action needed and the deadline. Never a name, diagnosis or risk
detail: a phone screen is read by whoever holds the phone."""

from __future__ import annotations

from referral_contracts import EscalationRaised, EscalationStep

from .messages import utc_text

SMS_STEPS = frozenset({EscalationStep.RISK_ALERT, EscalationStep.BREACH})
SMS = "sms"

_ACTIONS = {
    EscalationStep.RISK_ALERT: "risk-flagged referral assigned to you: review today",
    EscalationStep.BREACH: "first contact overdue: contact now or record why not",
}


def escalation_sms(event: EscalationRaised) -> str:
    e = event.data
    return f"[{e.tier.value}] Ref {e.client_reference}: {_ACTIONS[e.step]}. Due {utc_text(e.contact_deadline)}."[:320]
