"""Where a referral stands, as a FHIR Task says it: Task.status after the SDOH Clinical Care IG's
referral Task workflow (SDOHCC Task For Referral Management), Task.businessStatus from BSeR's
TaskBusinessStatusCS with the code system's own displays, and the status reason. Pure.

Why these and not others (README, "FHIR"):
- SDOHCC's referral Task status value set excludes `received` and `ready`, so a referral the lead
  has acknowledged but nobody has accepted stays `requested` (the reason says it was received).
- In SDOHCC's state diagram `rejected` follows `requested` only, and `on-hold` follows `accepted`:
  a decline by the person (which needs an accepted owner here) is `cancelled`, and a redirect is
  `on-hold` only when an agency had accepted the referral; before that it is still `requested`.
- BSeR reaches 4.0 Declined from Accepted and from every in-progress state (its harmonized state
  transitions 05, 10, 17, 25, 33), so a decline after contact is still 4.0. BSeR has no code for a
  redirect or for contact attempts: the last business state reached stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from referral_contracts import ClosureOutcome, MilestoneKind

from tracking.lifecycle.model import ReferralView, State

BSER_SYSTEM = "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS"
# BSeR TaskBusinessStatusCS, code -> display, exactly as the code system has them.
BSER_DISPLAY = {
    "2.0": "Service Request Created",
    "3.0": "Service Request Accepted",
    "4.0": "Service Request Declined",
    "5.2": "Service Request Cancellation Requested",
    "5.1.1": "Service Request Event Scheduled",
    "6.0": "Service Request Fulfillment Cancelled",
    "7.0": "Service Request Fulfillment Completed",
    "5.1.2": "Scheduled Service Request Event Unattended",
    "5.1.3": "Scheduled Service Request Event Cancelled",
    "5.1.4": "Service Request Event Completed",
}


@dataclass(frozen=True)
class TaskStatus:
    status: str  # Task.status (SDOHCC referral Task status)
    business: str  # Task.businessStatus (a BSeR code)
    reason: str | None = None  # Task.statusReason.text: codes and agency ids only, never the person

    @property
    def business_display(self) -> str:
        return BSER_DISPLAY[self.business]


_OPEN: dict[State, TaskStatus] = {
    State.SUBMITTED: TaskStatus("requested", "2.0"),
    State.AWAITING_CLARIFICATION: TaskStatus("requested", "2.0", "awaiting information from the sender"),
    State.UNASSIGNED: TaskStatus("requested", "2.0", "no eligible agency with capacity yet: the triage desk holds it"),
    State.ASSIGNED: TaskStatus("requested", "2.0"),
    State.ACKNOWLEDGED: TaskStatus("requested", "2.0", "received by the lead agency, not yet accepted by a named owner"),
    State.ACCEPTED: TaskStatus("accepted", "3.0"),
    State.CONTACT_ATTEMPTED: TaskStatus("in-progress", "3.0"),
    State.APPOINTMENT_SCHEDULED: TaskStatus("in-progress", "5.1.1"),
}
# After a missed or cancelled appointment the referral is back to contact attempts; BSeR names it.
_AFTER_APPOINTMENT = {MilestoneKind.APPOINTMENT_MISSED: "5.1.2", MilestoneKind.APPOINTMENT_CANCELLED: "5.1.3"}

# closure outcome -> (Task.status, BSeR code, what the status reason says before the reason code)
_CLOSED: dict[ClosureOutcome, tuple[str, str, str | None]] = {
    ClosureOutcome.ENGAGED: ("completed", "7.0", None),
    ClosureOutcome.DECLINED: ("cancelled", "4.0", "declined by the person"),
    ClosureOutcome.WITHDRAWN: ("cancelled", "6.0", "withdrawn by the sender"),
    # Handed to a crisis or safeguarding pathway: the service asked for was not given here, and
    # BSeR's only code for a fulfilment that ended without completion, the person's decline aside, is 6.0.
    ClosureOutcome.ESCALATED: ("cancelled", "6.0", "escalated to another pathway"),
    ClosureOutcome.REDIRECTED: ("cancelled", "6.0", "redirected"),
    ClosureOutcome.LINKED: ("cancelled", "6.0", "a duplicate"),
}


def task_status(view: ReferralView) -> TaskStatus:
    if view.closure is not None:
        return _closed(view)
    if view.state is State.REDIRECTING:
        return _redirecting(view)
    found = _OPEN[view.state]
    last = _last_milestone(view)
    if view.state is State.CONTACT_ATTEMPTED and last in _AFTER_APPOINTMENT:
        return TaskStatus(found.status, _AFTER_APPOINTMENT[last], found.reason)
    return found


def _closed(view: ReferralView) -> TaskStatus:
    closure = view.closure
    assert closure is not None
    status, code, said = _CLOSED[closure.outcome]
    if closure.outcome is ClosureOutcome.LINKED:
        return TaskStatus(status, code, f"a duplicate of referral {view.linked_to}")
    why = closure.reason_code.replace("_", " ") if closure.reason_code else None
    reason = f"{said}: {why}" if said and why else said
    return TaskStatus(status, code, reason)


def _redirecting(view: ReferralView) -> TaskStatus:
    """The lead asked to route the referral on and stays accountable until the next agency accepts.
    Work an agency accepted is paused (on-hold); a referral nobody accepted is still asked for."""
    pending = view.pending_reroute
    why = f" ({pending.reason.value.replace('_', ' ')})" if pending else ""
    holder, next_one = view.lead_agency_id or "the triage desk", view.pending_lead_agency_id or "the next agency"
    reason = f"redirect requested{why}: {holder} holds it until {next_one} accepts"
    if view.accepted_at is not None:
        return TaskStatus("on-hold", "3.0", reason)
    return TaskStatus("requested", "2.0", reason)


def _last_milestone(view: ReferralView) -> MilestoneKind | None:
    last = next((t.milestone for t in reversed(view.timeline) if t.milestone and not t.refused), None)
    try:
        return MilestoneKind(last) if last else None
    except ValueError:  # a kind of an older release: no business status of its own
        return None
