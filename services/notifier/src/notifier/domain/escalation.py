"""The escalation notice to a named lead: which referral, what is overdue, what to do. Never who
the person is or why they were referred (an email may be read over a shoulder)."""

from __future__ import annotations

from referral_contracts import EscalationRaised, EscalationStep

from .messages import TEMPLATES, Notice, one_line, utc_text

_HEADLINES = {
    EscalationStep.RISK_ALERT: ("Risk-flagged referral assigned to your agency",
                                "make sure the safeguarding / clinical lead has reviewed it today"),
    EscalationStep.REMINDER: ("Reminder: first contact due soon", "make the first contact attempt before the deadline"),
    EscalationStep.BREACH: ("Deadline missed: first contact overdue", "make contact now, or record why not"),
    EscalationStep.PARTNERSHIP: ("Still overdue after escalation", "agree a corrective action with the lead agency"),
}


def escalation_notice(event: EscalationRaised) -> Notice:
    e = event.data
    headline, action = _HEADLINES[e.step]
    hours, minutes = divmod(e.overdue_seconds // 60, 60)
    context = {
        "headline": headline, "action": action, "referral_id": str(event.referral_id),
        "client_reference": e.client_reference, "tier": e.tier.value, "deadline": utc_text(e.contact_deadline),
        "overdue": f"{hours} h {minutes} min" if e.overdue_seconds else "",
    }
    return Notice(
        subject=one_line(f"[{e.tier.value}] {headline}: referral {e.client_reference}"),
        text=TEMPLATES.get_template("escalation.txt").render(context),
        html=TEMPLATES.get_template("escalation.html").render(context),
    )
