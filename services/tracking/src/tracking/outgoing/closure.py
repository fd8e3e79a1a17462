"""What tracking says to other services because of a referral's state: derived, said once.

The fold decides what should have been said (a closure message once closed, a reroute request while
a redirect waits for triage); ids are derived from the referral and the event that caused them, so
saying it again after a crash is recognised downstream as the same message.
"""

from __future__ import annotations

from referral_contracts import (
    Actor,
    ClosureV2,
    Event,
    OutcomeUnknown,
    ReferralClosedV2,
    ReferralLinked,
    RepeatedCrisis,
    Reroute,
    RerouteRequested,
    derived_id,
    topics,
)

from tracking.outgoing.agency_updates import agency_updates
from tracking.outgoing.changes import state_changed
from tracking.lifecycle.fold import Step, latest_submission
from tracking.lifecycle.model import ReferralView, State


def closure_message(view: ReferralView) -> ReferralClosedV2 | None:
    """None while the loop is open."""
    if view.closure is None:
        return None
    return ReferralClosedV2.create(
        event_id=derived_id(view.referral_id, "closed"),
        referral_id=view.referral_id,
        correlation_id=view.correlation_id,
        actor=Actor(agency_id=view.closure.closing_agency_id),
        occurred_at=view.closure.closed_at,
        data=ClosureV2(
            outcome=view.closure.outcome,
            source_agency_id=view.source_agency_id,
            closing_agency_id=view.closure.closing_agency_id,
            closed_at=view.closure.closed_at,
            client_reference=view.client_reference,
            consent=view.consent,
            reason_code=view.closure.reason_code,
            linked_to=view.linked_to,
        ),
    )


def reroute_request(view: ReferralView, events: list[Event]) -> RerouteRequested | None:
    """While a redirect waits for triage's answer: the request for it, with the latest package."""
    pending = view.pending_reroute
    if view.state is not State.REDIRECTING or pending is None or view.pending_lead_agency_id:
        return None
    latest = latest_submission(view, events)
    # Who asked is the actor: triage assigns the triage desk's named agency (a lead's is a suggestion).
    asked = pending.requested_by or Actor(agency_id=view.lead_agency_id or view.accountable[0].agency_id)
    holder = view.lead_agency_id or asked.agency_id
    return RerouteRequested.create(
        event_id=pending.reroute_id,
        referral_id=view.referral_id,
        correlation_id=view.correlation_id,
        causation_id=pending.requested_by_event,
        actor=asked,
        occurred_at=pending.requested_at,
        data=Reroute(request=latest.data, current_lead_agency_id=holder,
                     excluded_agencies=pending.excluded_agencies, reason=pending.reason,
                     reason_text=pending.reason_text, suggested_agency_id=pending.suggested_agency_id),
    )


def outgoing(view: ReferralView, events: list[Event], steps: list[Step]) -> list[tuple[str, Event]]:
    """Every message the referral's state calls for, with its topic: the closure, a reroute
    request, the escalations fired, the flags raised (duplicates, unknown outcomes, repeated
    crises) and what each agency with a part hears on its own topic."""
    messages: list[tuple[str, Event]] = []
    if (closed := closure_message(view)) is not None:
        messages.append((topics.REFERRAL_CLOSED, closed))
    if (reroute := reroute_request(view, events)) is not None:
        messages.append((topics.REFERRAL_REROUTES, reroute))
    fired = {record.event_id for record in view.escalations}
    messages += [(topics.REFERRAL_ESCALATIONS, e) for e in events if e.event_id in fired]
    messages += [(topics.REFERRAL_FLAGS, s.event) for s in steps
                 if isinstance(s.event, (ReferralLinked, OutcomeUnknown, RepeatedCrisis)) and not s.refused]
    # The state as it now is, for the read side: only the latest is owed (older states a batch
    # folded past were never seen and need not be).
    return messages + agency_updates(steps) + [(topics.REFERRAL_CHANGES, state_changed(view))]
