"""The referral lifecycle as a fold over its events. Pure: no I/O, no clock.

Events may arrive late or out of order across topics, so the view is always rebuilt from every
event known for the referral, in the order they happened. An event that is not allowed where it
falls is kept in the timeline with the reason it was refused, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from referral_contracts import (
    ClosureOutcome,
    EscalationRaised,
    Event,
    LinkRelation,
    MilestoneKind,
    MilestoneRecorded,
    NotificationFailed,
    NotificationSent,
    OutcomeUnknown,
    ReferralLinked,
    ReferralSubmitted,
    ReferralTriaged,
    RepeatedCrisis,
)

from tracking.lifecycle import milestone_times, milestones as milestone_rules, triage as triage_rules
from tracking.persons import crises
from tracking.lifecycle.accountability import hand_over, sender
from tracking.deadlines.ladders import still_applies
from tracking.lifecycle.model import AccountabilityPeriod, EscalationRecord, LoopClosure, Notified, ReferralView, State, TimelineEntry
from tracking.lifecycle.refusal import Refused

_RANK = {ReferralSubmitted: 0, ReferralTriaged: 1, MilestoneRecorded: 2, ReferralLinked: 3, OutcomeUnknown: 4,
         RepeatedCrisis: 4, EscalationRaised: 5, NotificationSent: 6, NotificationFailed: 6}
# Not activity: the platform's own alarms and flags.
PLATFORM_ALARMS = (OutcomeUnknown, RepeatedCrisis, EscalationRaised, NotificationSent, NotificationFailed)


def in_order(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (e.occurred_at, _RANK.get(type(e), 9), str(e.event_id)))


@dataclass(frozen=True)
class Step:
    """One event of the fold, with the referral just before and just after it."""

    event: Event
    before: ReferralView
    after: ReferralView

    @property
    def refused(self) -> bool:
        return self.after.timeline[-1].refused is not None


def fold(events: Iterable[Event]) -> ReferralView | None:
    """The referral as its events make it; None until its submission is known."""
    return fold_with_steps(events)[0]


def fold_with_steps(events: Iterable[Event]) -> tuple[ReferralView | None, list[Step]]:
    """`fold`, and each step of it: what every event changed (what others must be told follows)."""
    ordered = in_order(events)
    first = next((e for e in ordered if isinstance(e, ReferralSubmitted)), None)
    if first is None:
        return None, []
    view, steps = _opened(first), []
    for event in ordered:
        if event is not first:
            before, view = view, apply(view, event)
            steps.append(Step(event, before, view))
    return view.model_copy(update={"events_applied": len(ordered)}), steps


def apply(view: ReferralView, event: Event) -> ReferralView:
    """The view after `event`, or the same view with the event noted as refused."""
    try:
        changed, what = _transition(view, event)
    except Refused as refused:
        return _noted(view, event, _describe(event), str(refused))
    if isinstance(event, PLATFORM_ALARMS):
        return _noted(changed, event, what, None, activity=False)
    return _noted(changed.model_copy(update={"outcome_unknown_since": None}), event, what, None)


def check(view: ReferralView, event: Event) -> None:
    """Raise Refused if `event` may not happen now: the same rule the fold applies."""
    _transition(view, event)


def _transition(view: ReferralView, event: Event) -> tuple[ReferralView, str]:
    if isinstance(event, MilestoneRecorded):
        return milestone_times.stamped(view, milestone_rules.apply(view, event), event), _describe(event)
    if isinstance(event, ReferralTriaged):
        return triage_rules.apply(view, event), _describe(event)
    if isinstance(event, ReferralSubmitted):
        return triage_rules.revise(view, event), f"referral revised (revision {view.revision + 1})"
    if isinstance(event, ReferralLinked):
        return _linked(view, event), _describe(event)
    if isinstance(event, EscalationRaised):
        return _escalated(view, event), _describe(event)
    if isinstance(event, NotificationFailed):  # the audit says who was not told, and how instead
        return view, _describe(event)
    if isinstance(event, NotificationSent):
        return _notified(view, event), _describe(event)
    if isinstance(event, RepeatedCrisis):  # for the issue log: the referral itself is unchanged
        return view, crises.describe(event)
    if isinstance(event, OutcomeUnknown):
        if not view.is_open or event.data.last_activity_at != view.last_activity_at:
            raise Refused("stale flag: there was activity since, or the referral is no longer open")
        return view.model_copy(update={"outcome_unknown_since": event.occurred_at}), _describe(event)
    raise Refused(f"{event.event_type} does not apply to a referral")


def _opened(event: ReferralSubmitted) -> ReferralView:
    request = event.data
    entry = _entry(event, "referral submitted", None)
    view = ReferralView(
        referral_id=event.referral_id, correlation_id=event.correlation_id, state=State.SUBMITTED,
        source_agency_id=request.source_agency_id, client_reference=request.client_reference,
        service_type=request.service_type, submitted_at=event.occurred_at, consent=request.consent,
        risk_flagged=bool(request.risk_flags),
        latest_submission=event.event_id,
        accountable=[], accountability=[], timeline=[entry], last_activity_at=event.occurred_at,
        events_applied=1,
    )
    holders = [sender(view, event.actor.person)]
    return view.model_copy(update={
        "accountable": holders, "accountability": [AccountabilityPeriod(accountable=holders, start=event.occurred_at)],
    })


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


def _escalated(view: ReferralView, event: EscalationRaised) -> ReferralView:
    e = event.data
    if (stale := still_applies(view, e)) is not None:
        raise Refused(stale)
    record = EscalationRecord(event_id=event.event_id, step=e.step, at=event.occurred_at, agency_id=e.agency_id,
                              role=e.role, deadline=e.deadline, overdue_seconds=e.overdue_seconds,
                              failed_attempts=e.failed_attempts, action=e.action)
    return view.model_copy(update={"escalations": [*view.escalations, record]})


def _notified(view: ReferralView, event: NotificationSent) -> ReferralView:
    """An escalation's record says who was told, when and how (other notices: the timeline)."""
    d = event.data
    told = Notified(channel=d.channel, recipient=d.recipient, at=event.occurred_at)
    escalations = [e.model_copy(update={"notified": [*e.notified, told]}) if e.event_id == d.notified_event_id else e
                   for e in view.escalations]
    return view.model_copy(update={"escalations": escalations})


def _noted(view: ReferralView, event: Event, what: str, refusal: str | None, activity: bool = True) -> ReferralView:
    entry = _entry(event, what, refusal)
    last = view.last_activity_at if refusal or not activity else max(view.last_activity_at, event.occurred_at)
    return view.model_copy(update={"timeline": [*view.timeline, entry], "last_activity_at": last})


def _describe(event: Event) -> str:
    if isinstance(event, ReferralTriaged):
        return triage_rules.describe(event)
    if isinstance(event, MilestoneRecorded):
        return milestone_rules.describe(event)
    if isinstance(event, ReferralLinked):
        relation = "duplicate of" if event.data.relation is LinkRelation.DUPLICATE_OF else "re-referred as"
        return f"{relation} {event.data.other_referral_id} (from {event.data.other_source_agency_id})"
    if isinstance(event, NotificationFailed):
        f = event.data
        instead = f"; sent by {f.fallback} instead" if f.fallback else ""
        return f"{f.purpose} by {f.channel} to the {f.role.value} lead of {f.agency_id} failed: {f.reason}{instead}"
    if isinstance(event, NotificationSent):
        d = event.data
        return f"{d.purpose} sent by {d.channel} to the {d.role.value} lead of {d.agency_id} ({d.recipient})"
    if isinstance(event, EscalationRaised):
        e = event.data
        late = f", {e.overdue_seconds // 60} min overdue" if e.overdue_seconds else ""
        action = f": {e.action.value.replace('_', ' ')} after {e.failed_attempts} failed attempts" if e.action else ""
        return f"escalation {e.step.value} to the {e.role.value} lead of {e.agency_id}{late}{action}"
    if isinstance(event, RepeatedCrisis):
        return crises.describe(event)
    if isinstance(event, OutcomeUnknown):
        return f"outcome unknown: no activity for {event.data.threshold_days} days"
    return event.event_type


def _entry(event: Event, what: str, refusal: str | None) -> TimelineEntry:
    kind: MilestoneKind | None = event.data.kind if isinstance(event, MilestoneRecorded) else None
    return TimelineEntry(at=event.occurred_at, event_id=event.event_id, event_type=event.event_type, what=what,
                         agency_id=event.actor.agency_id, person=event.actor.person,
                         milestone=kind.value if kind else None, refused=refusal)
