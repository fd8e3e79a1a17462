"""The escalation notice to a named lead: which referral, what is due, what to do and who signs
it off. Never who the person is or why they were referred (an email may be read over a shoulder)."""

from __future__ import annotations

from referral_contracts import EscalationRaised, EscalationStep, EscalationV2, FailedContactAction
from referral_contracts.holders import HolderRole

from .messages import TEMPLATES, Notice, one_line, utc_text

_HEADLINES = {
    EscalationStep.RISK_ALERT: ("Risk-flagged referral assigned to your agency",
                                "make sure the safeguarding / clinical lead has reviewed it today"),
    EscalationStep.REMINDER: ("Reminder: first contact due soon", "make the first contact attempt before the deadline"),
    EscalationStep.BREACH: ("Deadline missed: first contact overdue", "make contact now, or record why not"),
    EscalationStep.PARTNERSHIP: ("Still overdue after escalation", "agree a corrective action with the lead agency"),
    EscalationStep.REVIEW_OVERDUE: ("Post-crisis review overdue",
                                    "hold the review now, or record the engagement or closure"),
    EscalationStep.PLAN_UPDATE_OVERDUE: ("Consult advice not yet in the plan",
                                         "update the plan: what changes today, over two weeks, what needs the partner"),
    EscalationStep.STAFF_BRIEFING_OVERDUE: ("Updated plan not yet briefed to staff",
                                            "brief the staff on shift and record it"),
}
# The triage desk holding a referral no agency has taken cannot make first contact before someone
# takes it on: its first-contact notices ask for what it can do (rungs of v2 say how it is held).
_DESK_HEADLINES = {
    EscalationStep.RISK_ALERT: ("Risk-flagged referral no agency has taken",
                                "make sure the safeguarding / clinical lead has reviewed it today, and find it a lead"),
    EscalationStep.REMINDER: ("Reminder: first contact due soon and no agency has taken the referral",
                              "name a lead, take it on yourselves, or escalate it before the deadline"),
    EscalationStep.BREACH: ("Deadline missed: first contact overdue and no agency has taken the referral",
                            "name a lead, take it on yourselves, or escalate it now"),
    EscalationStep.PARTNERSHIP: ("Still overdue after escalation, and no agency has taken the referral",
                                 "agree with the triage desk where the referral goes"),
}
_FAILED_CONTACT = {
    FailedContactAction.ALTERNATE_CONTACT: "try the alternate contact and another channel",
    FailedContactAction.WELFARE_CHECK: "decide on a welfare check and record the decision",
    FailedContactAction.REROUTE: "redirect the referral or escalate it to a pathway",
}
_DEADLINE_LABELS = {EscalationStep.REVIEW_OVERDUE: "Review due by",
                    EscalationStep.PLAN_UPDATE_OVERDUE: "Plan update due by",
                    EscalationStep.STAFF_BRIEFING_OVERDUE: "Staff briefing due by"}


def held_by_the_desk(event: EscalationRaised) -> bool:
    """The agency told holds the referral as the triage desk (said by v2 only; no v1 first-contact
    rung went to the desk: they fired only while a lead's clock ran)."""
    return isinstance(event.data, EscalationV2) and event.data.held_as is HolderRole.TRIAGE_DESK


def escalation_notice(event: EscalationRaised) -> Notice:
    e = event.data
    if e.step is EscalationStep.FAILED_CONTACT and e.action is not None:
        headline = f"{e.failed_attempts} failed contact attempts: sign-off needed"
        action = f"{_FAILED_CONTACT[e.action]} ({e.role.value} lead signs off)"
    elif held_by_the_desk(event) and e.step in _DESK_HEADLINES:
        headline, action = _DESK_HEADLINES[e.step]
    else:
        headline, action = _HEADLINES[e.step]
    hours, minutes = divmod(e.overdue_seconds // 60, 60)
    context = {
        "headline": headline, "action": action, "guidance": e.guidance or "",
        "referral_id": str(event.referral_id), "client_reference": e.client_reference, "tier": e.tier.value,
        "deadline_label": _DEADLINE_LABELS.get(e.step, "First contact due by"),
        "deadline": utc_text(e.deadline) if e.deadline else "",
        "overdue": f"{hours} h {minutes} min" if e.overdue_seconds else "",
    }
    return Notice(
        subject=one_line(f"[{e.tier.value}] {headline}: referral {e.client_reference}"),
        text=TEMPLATES.get_template("escalation.txt").render(context),
        html=TEMPLATES.get_template("escalation.html").render(context),
    )
