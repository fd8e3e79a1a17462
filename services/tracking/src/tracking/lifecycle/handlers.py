"""One handler per event type: what the event does to the referral, and the line it leaves in the
timeline, side by side. The fold (fold.py) finds the handler in `HANDLERS` by the event's type.

A handler's `change` raises Refused when the event may not happen where it falls; the fold then
keeps the event in the timeline with the reason, and nothing changes. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from referral_contracts import (
    ClosureOutcome,
    EscalationRaised,
    EscalationRaisedV2,
    Event,
    LinkRelation,
    MilestoneRecorded,
    NotificationFailed,
    NotificationSent,
    OutcomeUnknown,
    ReferralLinked,
    ReferralSubmitted,
    ReferralTriaged,
    RepeatedCrisis,
)

from tracking.deadlines.ladders import still_applies
from tracking.lifecycle import milestone_times, milestones, triage
from tracking.lifecycle.accountability import hand_over
from tracking.lifecycle.model import EscalationRecord, LoopClosure, Notified, ReferralView, State
from tracking.lifecycle.refusal import Refused
from tracking.persons import crises


@dataclass(frozen=True)
class Handler:
    change: Callable[[ReferralView, Any], ReferralView]
    describe: Callable[[Any], str]
    rank: int  # of events at the same moment, which comes first (a submission before its triage, ...)
    activity: bool = True  # the platform's own alarms and flags are not activity on the referral


def _unchanged(view: ReferralView, _: Event) -> ReferralView:
    return view


def _milestone(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
    return milestone_times.stamped(view, milestones.apply(view, event), event)


def _linked(view: ReferralView, event: ReferralLinked) -> ReferralView:
    link = event.data
    if link.relation is LinkRelation.RE_REFERRED_AS:
        return view.model_copy(update={"linked_referrals": [*view.linked_referrals, link.other_referral_id]})
    if not view.is_open:
        raise Refused(f"referral is {view.state.value}")
    # The loop of a duplicate ends here, by the platform, with an outcome of its own; the person's
    # care goes on, with someone accountable, on the referral it repeats.
    closure = LoopClosure(outcome=ClosureOutcome.LINKED, closed_at=event.occurred_at,
                          closing_agency_id=event.actor.agency_id)
    linked = view.model_copy(update={"state": State.LINKED, "linked_to": link.other_referral_id, "closure": closure})
    return hand_over(linked, [], event.occurred_at)


def _describe_link(event: ReferralLinked) -> str:
    relation = "duplicate of" if event.data.relation is LinkRelation.DUPLICATE_OF else "re-referred as"
    return f"{relation} {event.data.other_referral_id} (from {event.data.other_source_agency_id})"


def _escalated(view: ReferralView, event: EscalationRaised) -> ReferralView:
    e = event.data
    if (stale := still_applies(view, e)) is not None:
        raise Refused(stale)
    record = EscalationRecord(event_id=event.event_id, step=e.step, at=event.occurred_at, agency_id=e.agency_id,
                              role=e.role, deadline=e.deadline, overdue_seconds=e.overdue_seconds,
                              failed_attempts=e.failed_attempts, action=e.action)
    return view.model_copy(update={"escalations": [*view.escalations, record]})


def _describe_escalation(event: EscalationRaised) -> str:
    e = event.data
    late = f", {e.overdue_seconds // 60} min overdue" if e.overdue_seconds else ""
    action = f": {e.action.value.replace('_', ' ')} after {e.failed_attempts} failed attempts" if e.action else ""
    return f"escalation {e.step.value} to the {e.role.value} lead of {e.agency_id}{late}{action}"


def _notified(view: ReferralView, event: NotificationSent) -> ReferralView:
    """An escalation's record says who was told, when and how (other notices: the timeline)."""
    d = event.data
    told = Notified(channel=d.channel, recipient=d.recipient, at=event.occurred_at)
    escalations = [e.model_copy(update={"notified": [*e.notified, told]}) if e.event_id == d.notified_event_id else e
                   for e in view.escalations]
    return view.model_copy(update={"escalations": escalations})


def _describe_sent(event: NotificationSent) -> str:
    d = event.data
    return f"{d.purpose} sent by {d.channel} to the {d.role.value} lead of {d.agency_id} ({d.recipient})"


def _describe_failed(event: NotificationFailed) -> str:
    f = event.data
    instead = f"; sent by {f.fallback} instead" if f.fallback else ""
    return f"{f.purpose} by {f.channel} to the {f.role.value} lead of {f.agency_id} failed: {f.reason}{instead}"


def _outcome_unknown(view: ReferralView, event: OutcomeUnknown) -> ReferralView:
    if not view.is_open or event.data.last_activity_at != view.last_activity_at:
        raise Refused("stale flag: there was activity since, or the referral is no longer open")
    return view.model_copy(update={"outcome_unknown_since": event.occurred_at})


HANDLERS: dict[type[Event], Handler] = {
    # A later submission is a revision of the package (the first one opens the referral: fold.py).
    ReferralSubmitted: Handler(triage.revise, lambda e: "referral revised: the sender sent a changed package", 0),
    ReferralTriaged: Handler(triage.apply, triage.describe, 1),
    MilestoneRecorded: Handler(_milestone, milestones.describe, 2),
    ReferralLinked: Handler(_linked, _describe_link, 3),
    OutcomeUnknown: Handler(_outcome_unknown, lambda e: f"outcome unknown: no activity for {e.data.threshold_days} days",
                            4, activity=False),
    # For the issue log: the referral itself is unchanged.
    RepeatedCrisis: Handler(_unchanged, crises.describe, 4, activity=False),
    EscalationRaised: Handler(_escalated, _describe_escalation, 5, activity=False),
    EscalationRaisedV2: Handler(_escalated, _describe_escalation, 5, activity=False),  # v1's, and how it is held
    NotificationSent: Handler(_notified, _describe_sent, 6, activity=False),
    # The audit says who was not told, and how instead; the referral is unchanged.
    NotificationFailed: Handler(_unchanged, _describe_failed, 6, activity=False),
}


def handler_of(event: Event) -> Handler:
    """The event's handler; Refused for an event that does not apply to a referral."""
    found = HANDLERS.get(type(event))
    if found is None:
        raise Refused(f"{event.event_type} does not apply to a referral")
    return found
