"""The referral lifecycle as a fold over its events. Pure: no I/O, no clock.

Events may arrive late or out of order across topics, so the view is always rebuilt from every
event known for the referral, in the order they happened. An event that is not allowed where it
falls is kept in the timeline with the reason it was refused, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from referral_contracts import (
    ClosureOutcome,
    Event,
    MilestoneKind,
    MilestoneRecorded,
    ReferralSubmitted,
    ReferralTriaged,
    TriageOutcome,
)

from .model import Accountable, AccountabilityPeriod, LoopClosure, ReferralView, Role, State, TimelineEntry

# Milestones and the states they need before them (None: any assigned state will do).
_MILESTONE_STATE = {
    MilestoneKind.ACKNOWLEDGED: State.ACKNOWLEDGED,
    MilestoneKind.ACCEPTED: State.ACCEPTED,
    MilestoneKind.CONTACT_ATTEMPTED: State.CONTACT_ATTEMPTED,
    MilestoneKind.APPOINTMENT_SCHEDULED: State.APPOINTMENT_SCHEDULED,
    MilestoneKind.ENGAGED: State.CLOSED,
}
_ASSIGNED = {State.ASSIGNED, State.ACKNOWLEDGED, State.ACCEPTED, State.CONTACT_ATTEMPTED,
             State.APPOINTMENT_SCHEDULED}
_OWNED = {State.ACCEPTED, State.CONTACT_ATTEMPTED, State.APPOINTMENT_SCHEDULED}
_NEEDS_OWNER = {MilestoneKind.CONTACT_ATTEMPTED, MilestoneKind.APPOINTMENT_SCHEDULED, MilestoneKind.ENGAGED}
_RANK = {ReferralSubmitted: 0, ReferralTriaged: 1, MilestoneRecorded: 2}


class Refused(Exception):
    pass


def in_order(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (e.occurred_at, _RANK.get(type(e), 9), str(e.event_id)))


def fold(events: Iterable[Event]) -> ReferralView | None:
    """The referral as its events make it; None until its submission is known."""
    ordered = in_order(events)
    submitted = next((e for e in ordered if isinstance(e, ReferralSubmitted)), None)
    if submitted is None:
        return None
    view = _opened(submitted)
    for event in ordered:
        if event is submitted:
            continue
        try:
            view = _apply(view, event)
            refusal = None
        except Refused as refused:
            refusal = str(refused)
        view = _noted(view, event, refusal)
    return view.model_copy(update={"events_applied": len(ordered)})


def _opened(event: ReferralSubmitted) -> ReferralView:
    sender = [Accountable(agency_id=event.data.source_agency_id, role=Role.SENDER, person=event.actor.person)]
    entry = _entry(event, "referral submitted", None)
    return ReferralView(
        referral_id=event.referral_id,
        correlation_id=event.correlation_id,
        state=State.SUBMITTED,
        source_agency_id=event.data.source_agency_id,
        client_reference=event.data.client_reference,
        submitted_at=event.occurred_at,
        accountable=sender,
        accountability=[AccountabilityPeriod(accountable=sender, start=event.occurred_at)],
        timeline=[entry],
        last_activity_at=event.occurred_at,
        events_applied=1,
    )


def _apply(view: ReferralView, event: Event) -> ReferralView:
    if view.state is State.CLOSED:
        raise Refused(f"referral is closed ({view.closure.outcome.value})")
    if isinstance(event, ReferralTriaged):
        return _triaged(view, event)
    if isinstance(event, MilestoneRecorded):
        return _milestone(view, event)
    raise Refused(f"{event.event_type} does not apply to a referral")


def _triaged(view: ReferralView, event: ReferralTriaged) -> ReferralView:
    if view.state is not State.SUBMITTED:
        raise Refused(f"already triaged (state {view.state.value})")
    decision = event.data
    changes = {"tier": decision.tier, "contact_deadline": decision.contact_deadline,
               "warm_handoff": decision.warm_handoff}
    if decision.outcome is TriageOutcome.ASSIGNED:
        lead = [Accountable(agency_id=decision.lead_agency_id, role=Role.LEAD)]
        # Warm handoff: the sender stays accountable with the lead until first engagement.
        holders = view.accountable + lead if decision.warm_handoff else lead
        changes |= {"state": State.ASSIGNED, "lead_agency_id": decision.lead_agency_id}
    else:
        holders = [Accountable(agency_id=event.actor.agency_id, role=Role.TRIAGE_DESK, person=event.actor.person)]
        changes |= {"state": State.UNASSIGNED}
    return _hand_over(view.model_copy(update=changes), holders, event)


def _milestone(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
    milestone = event.data
    if view.state not in _ASSIGNED:
        raise Refused(f"{milestone.kind.value} needs an assigned lead agency (state {view.state.value})")
    if event.actor.agency_id != view.lead_agency_id:
        raise Refused(f"{event.actor.agency_id} is not the accountable lead agency")
    if milestone.kind in _NEEDS_OWNER and view.state not in _OWNED:
        raise Refused(f"{milestone.kind.value} before the referral was accepted by a named owner")
    changes: dict = {"state": _next_state(view.state, milestone.kind)}
    if milestone.kind is MilestoneKind.ACCEPTED:
        changes["owner"] = milestone.owner
        holders = [h if h.role is not Role.LEAD else h.model_copy(update={"person": milestone.owner})
                   for h in view.accountable]
        return _hand_over(view.model_copy(update=changes), holders, event)
    if milestone.kind is MilestoneKind.CONTACT_ATTEMPTED:
        changes["contact_attempts"] = view.contact_attempts + 1
    if milestone.kind is MilestoneKind.ENGAGED:
        changes["closure"] = LoopClosure(outcome=ClosureOutcome.ENGAGED,
                                         closed_at=milestone.occurred_at or event.occurred_at,
                                         closing_agency_id=event.actor.agency_id)
        return _hand_over(view.model_copy(update=changes), [], event, closes=True)
    return view.model_copy(update=changes)


def _next_state(current: State, kind: MilestoneKind) -> State:
    """Milestones move forward only: a late acknowledgement after acceptance keeps 'accepted'."""
    order = [State.ASSIGNED, State.ACKNOWLEDGED, State.ACCEPTED, State.CONTACT_ATTEMPTED,
             State.APPOINTMENT_SCHEDULED, State.CLOSED]
    target = _MILESTONE_STATE[kind]
    return max(current, target, key=order.index)


def _hand_over(view: ReferralView, holders: list[Accountable], event: Event, closes: bool = False) -> ReferralView:
    """Close the current accountability period and open the next, with no gap between them."""
    at = event.occurred_at
    history = list(view.accountability)
    history[-1] = history[-1].model_copy(update={"end": at})
    if not closes:
        history.append(AccountabilityPeriod(accountable=holders, start=at))
    return view.model_copy(update={"accountable": [] if closes else holders, "accountability": history,
                                   "state": State.CLOSED if closes else view.state})


def _noted(view: ReferralView, event: Event, refusal: str | None) -> ReferralView:
    entry = _entry(event, _describe(event), refusal)
    last = view.last_activity_at if refusal else max(view.last_activity_at, event.occurred_at)
    return view.model_copy(update={"timeline": view.timeline + [entry], "last_activity_at": last})


def _describe(event: Event) -> str:
    if isinstance(event, ReferralTriaged):
        d = event.data
        where = f"lead {d.lead_agency_id}" if d.lead_agency_id else "no eligible agency"
        return f"triaged {d.tier.value}: {where}, contact by {d.contact_deadline.isoformat()}"
    if isinstance(event, MilestoneRecorded):
        m = event.data
        detail = {MilestoneKind.ACCEPTED: f" (owner {m.owner})",
                  MilestoneKind.CONTACT_ATTEMPTED: f" #{m.attempt_number}: {m.outcome.value if m.outcome else ''}"}
        return m.kind.value.replace("_", " ") + detail.get(m.kind, "")
    return event.event_type


def _entry(event: Event, what: str, refusal: str | None) -> TimelineEntry:
    return TimelineEntry(at=event.occurred_at, event_id=event.event_id, event_type=event.event_type, what=what,
                         agency_id=event.actor.agency_id, person=event.actor.person, refused=refusal)
