"""No dead ends: a referral with no agency left is held by the triage desk, which can always act on
it (acknowledge it, take it itself, name a lead, escalate), with someone accountable throughout."""

from __future__ import annotations

import pytest

from referral_contracts import ClosureOutcome
from tracking.lifecycle.accountability import accountable_at
from tracking.lifecycle.fold import fold
from tracking.lifecycle.model import Role, State
from tracking.outgoing.closure import reroute_request

from event_factories import DESK, at, milestone, submitted, triaged


def with_nobody_left():
    """Accepted by cmh-east, redirected to talking-therapies, redirected again with no agency left."""
    first = submitted()
    rid = first.referral_id
    events = [first, triaged(first), milestone(rid, "accepted", 10),
              milestone(rid, "redirect_requested", 20)]
    events.append(triaged(first, 25, lead="talking-therapies", reroute_of=reroute_request(fold(events), events).event_id))
    events += [milestone(rid, "accepted", 30, agency="talking-therapies", person="Ana Ruiz"),
               milestone(rid, "redirect_requested", 40, agency="talking-therapies", person="Ana Ruiz",
                         redirect_reason="not_eligible", reason_text="Out of scope")]
    events.append(triaged(first, 45, lead=None, reroute_of=reroute_request(fold(events), events).event_id))
    return first, events


def desk(rid, kind: str, minute: float, **details):
    return milestone(rid, kind, minute, agency=DESK, person="Dee Desk", **details)


def assert_no_gap(view) -> None:
    periods = view.accountability
    assert all(a.end == b.start for a, b in zip(periods, periods[1:])), "accountability had a gap"


def test_with_nobody_left_the_desk_holds_it_beside_the_lead_and_may_acknowledge() -> None:
    first, events = with_nobody_left()
    view = fold([*events, desk(first.referral_id, "acknowledged", 50)])
    assert view.state is State.REDIRECTING and view.timeline[-1].refused is None
    assert {(a.agency_id, a.role) for a in view.accountable} == {("talking-therapies", Role.LEAD),
                                                                 (DESK, Role.TRIAGE_DESK)}


def test_the_desk_takes_it_itself_and_closes_the_loop() -> None:
    first, events = with_nobody_left()
    rid = first.referral_id
    events += [desk(rid, "accepted", 50), desk(rid, "contact_attempted", 60), desk(rid, "engaged", 70)]
    view = fold(events)
    assert [e.refused for e in view.timeline] == [None] * len(events)
    assert view.state is State.CLOSED and view.closure.outcome is ClosureOutcome.ENGAGED
    assert view.closure.closing_agency_id == DESK and view.owner == "Dee Desk"
    assert view.previous_leads == ["cmh-east", "talking-therapies"]
    holders = [{a.agency_id for a in accountable_at(view, at(m))} for m in (47, 55, 71)]
    assert holders == [{"talking-therapies", DESK}, {DESK}, set()]
    assert_no_gap(view)


def test_the_desk_names_a_lead_outside_the_usual_match_and_the_loop_closes_there() -> None:
    first, events = with_nobody_left()
    rid = first.referral_id
    events.append(desk(rid, "redirect_requested", 50, redirect_reason="better_fit_elsewhere",
                       reason_text="Housing is the need behind it", suggested_agency_id="housing-support"))
    view = fold(events)
    request = reroute_request(view, events)
    assert (request.actor.agency_id, request.actor.person) == (DESK, "Dee Desk"), "triage sees the desk asked"
    assert request.data.suggested_agency_id == "housing-support"
    assert {a.agency_id for a in view.accountable} == {"talking-therapies", DESK}, "held while triage answers"
    events += [triaged(first, 55, lead="housing-support", reroute_of=request.event_id),
               milestone(rid, "acknowledged", 58, agency="housing-support", person="Bo Hart"),
               milestone(rid, "accepted", 60, agency="housing-support", person="Bo Hart")]
    view = fold(events)
    assert view.lead_agency_id == "housing-support" and view.previous_leads == ["cmh-east", "talking-therapies"]
    assert {a.agency_id for a in accountable_at(view, at(57))} == {"talking-therapies", DESK}
    events += [milestone(rid, "engaged", 70, agency="housing-support", person="Bo Hart")]
    view = fold(events)
    assert [e.refused for e in view.timeline] == [None] * len(events)
    assert view.closure.outcome is ClosureOutcome.ENGAGED and view.closure.closing_agency_id == "housing-support"
    assert_no_gap(view)


def test_the_desk_escalates() -> None:
    first, events = with_nobody_left()
    view = fold([*events, desk(first.referral_id, "escalated", 50)])
    assert view.closure.outcome is ClosureOutcome.ESCALATED and view.closure.closing_agency_id == DESK
    assert_no_gap(view)


def test_unassigned_from_the_start_the_desk_takes_it_with_no_earlier_lead() -> None:
    first = submitted()
    view = fold([first, triaged(first, lead=None), desk(first.referral_id, "accepted", 10)])
    assert view.state is State.ACCEPTED and view.lead_agency_id == DESK and view.previous_leads == []
    assert [(a.agency_id, a.role, a.person) for a in view.accountable] == [(DESK, Role.LEAD, "Dee Desk")]
    assert view.acknowledged_at == at(10) and view.accepted_at == at(10)


@pytest.mark.parametrize("kind", ["acknowledged", "accepted", "redirect_requested"])
def test_the_desk_acts_only_while_it_holds_the_referral(kind: str) -> None:
    first = submitted()
    view = fold([first, triaged(first), desk(first.referral_id, kind, 10)])
    assert view.timeline[-1].refused and view.state is State.ASSIGNED


def test_a_lead_suggestion_stays_a_suggestion_and_the_lead_may_not_take_it_back() -> None:
    first, events = with_nobody_left()
    view = fold([*events, milestone(first.referral_id, "accepted", 50, agency="talking-therapies")])
    assert "not allowed in state redirecting" in view.timeline[-1].refused
