"""The referral lifecycle as a fold over its events. Pure: no I/O, no clock.

Events may arrive late or out of order across topics, so the view is always rebuilt from every
event known for the referral, in the order they happened. Each event goes to its handler
(handlers.py: one per event type); an event that is not allowed where it falls is kept in the
timeline with the reason it was refused, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from referral_contracts import Event, MilestoneKind, MilestoneRecorded, ReferralSubmitted

from tracking.lifecycle.accountability import sender
from tracking.lifecycle.handlers import HANDLERS, handler_of
from tracking.lifecycle.model import AccountabilityPeriod, ReferralView, State, TimelineEntry
from tracking.lifecycle.refusal import Refused

def in_order(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (e.occurred_at, HANDLERS[type(e)].rank if type(e) in HANDLERS else 9,
                                         str(e.event_id)))


def first_submission(events: Iterable[Event]) -> ReferralSubmitted | None:
    """The submission that opened the referral (the person, the service sought); None until it arrives."""
    return next((e for e in in_order(events) if isinstance(e, ReferralSubmitted)), None)


def latest_submission(view: ReferralView, events: Iterable[Event]) -> ReferralSubmitted:
    """The revision the referral stands on now: a sender answers a clarification request with one."""
    return next(e for e in events if isinstance(e, ReferralSubmitted) and e.event_id == view.latest_submission)


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
    first = first_submission(ordered)
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
        handler = handler_of(event)
    except Refused as refused:
        return _noted(view, event, event.event_type, str(refused))
    try:
        changed = handler.change(view, event)
    except Refused as refused:
        return _noted(view, event, handler.describe(event), str(refused))
    if not handler.activity:
        return _noted(changed, event, handler.describe(event), None, activity=False)
    return _noted(changed.model_copy(update={"outcome_unknown_since": None}), event, handler.describe(event), None)


def check(view: ReferralView, event: Event) -> None:
    """Raise Refused if `event` may not happen now: the same rule the fold applies."""
    handler_of(event).change(view, event)


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


def _noted(view: ReferralView, event: Event, what: str, refusal: str | None, activity: bool = True) -> ReferralView:
    entry = _entry(event, what, refusal)
    last = view.last_activity_at if refusal or not activity else max(view.last_activity_at, event.occurred_at)
    return view.model_copy(update={"timeline": [*view.timeline, entry], "last_activity_at": last})


def _entry(event: Event, what: str, refusal: str | None) -> TimelineEntry:
    kind: MilestoneKind | None = event.data.kind if isinstance(event, MilestoneRecorded) else None
    return TimelineEntry(at=event.occurred_at, event_id=event.event_id, event_type=event.event_type, what=what,
                         agency_id=event.actor.agency_id, person=event.actor.person,
                         milestone=kind.value if kind else None, refused=refusal)
