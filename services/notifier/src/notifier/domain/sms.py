"""SMS text: a reference, the action needed and the deadline. Never a name, diagnosis or risk
detail: a phone screen is read by whoever holds the phone."""

from __future__ import annotations

from referral_contracts import EscalationRaised, EscalationStep

from .escalation import held_by_the_desk
from .messages import utc_text

# The rungs that cannot wait for someone to open their e-mail.
SMS_STEPS = frozenset({EscalationStep.RISK_ALERT, EscalationStep.BREACH, EscalationStep.REVIEW_OVERDUE})
SMS = "sms"

_ACTIONS = {
    EscalationStep.RISK_ALERT: "risk-flagged referral assigned to you: review today",
    EscalationStep.BREACH: "first contact overdue: contact now or record why not",
    EscalationStep.REVIEW_OVERDUE: "post-crisis review overdue: hold it now",
}
_DESK_ACTIONS = {  # the triage desk holding one no agency has taken: find it a lead
    EscalationStep.RISK_ALERT: "risk-flagged referral no agency has taken: review today",
    EscalationStep.BREACH: "first contact overdue and no agency has it: name a lead or take it",
}


def escalation_sms(event: EscalationRaised) -> str:
    e = event.data
    due = f" Due {utc_text(e.deadline)}." if e.deadline else ""
    action = _DESK_ACTIONS.get(e.step) if held_by_the_desk(event) else None
    return f"[{e.tier.value}] Ref {e.client_reference}: {action or _ACTIONS[e.step]}.{due}"[:320]
