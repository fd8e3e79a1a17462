"""SMS text: a reference, the action needed and the deadline. Never a name, diagnosis or risk
detail: a phone screen is read by whoever holds the phone."""

from __future__ import annotations

from referral_contracts import EscalationRaised, EscalationStep

from .messages import utc_text

# The rungs that cannot wait for someone to open their e-mail.
SMS_STEPS = frozenset({EscalationStep.RISK_ALERT, EscalationStep.BREACH, EscalationStep.REVIEW_OVERDUE})
SMS = "sms"

_ACTIONS = {
    EscalationStep.RISK_ALERT: "risk-flagged referral assigned to you: review today",
    EscalationStep.BREACH: "first contact overdue: contact now or record why not",
    EscalationStep.REVIEW_OVERDUE: "post-crisis review overdue: hold it now",
}


def escalation_sms(event: EscalationRaised) -> str:
    e = event.data
    due = f" Due {utc_text(e.deadline)}." if e.deadline else ""
    return f"[{e.tier.value}] Ref {e.client_reference}: {_ACTIONS[e.step]}.{due}"[:320]
