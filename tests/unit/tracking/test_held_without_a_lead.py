"""The first-contact clock runs for whoever holds a referral. Before any lead takes it (no agency with
capacity, a clarification owed, a redirect not yet accepted) the triage desk and the sender are told
as its deadline nears and passes, never nobody; a lead that then takes it on is told in its turn,
and nobody is told twice of one deadline. The pure rules, driven by a chosen `now`."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from referral_contracts import AcuityTier, EscalationStep, TriageOutcome
from referral_contracts.policy import load_policy
from tracking.deadlines.ladders import due_now, escalation_event, ladder
from tracking.lifecycle.fold import apply, fold
from tracking.lifecycle.model import Role, State
from tracking.outgoing.closure import reroute_request

from event_factories import DESK, at, milestone, submitted, triaged

POLICY = load_policy(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "policy.yaml")
DEADLINE_MINUTE = 60 * 24 * 14  # the factory's contact deadline
LONG_AFTER = 60 * 24 * 30  # past every first-contact rung of that deadline
URGENT = AcuityTier.URGENT  # fires around the clock: no working hours to reason about here
FIRST_CONTACT = {EscalationStep.REMINDER, EscalationStep.BREACH, EscalationStep.PARTNERSHIP}


def fire(view, minute: float):
    for rung in due_now(view, POLICY, at(minute)):
        view = apply(view, escalation_event(view, rung, at(minute)))
    return view


def told(view) -> set[tuple[EscalationStep, str]]:
    return {(e.step, e.agency_id) for e in view.escalations}


def unassigned(**request):
    first = submitted(**request)
    return first, [first, triaged(first, tier=URGENT, lead=None)]


def desk(rid, kind: str, minute: float, **details):
    return milestone(rid, kind, minute, agency=DESK, person="Dee Desk", **details)


def test_an_unassigned_referral_tells_the_desks_leads_at_every_rung() -> None:
    first, events = unassigned(risk_flags=["suicidal_ideation"])
    view = fold(events)
    assert view.state is State.UNASSIGNED and view.lead_agency_id is None
    view = fire(view, LONG_AFTER)
    assert told(view) == {(step, DESK) for step in (*FIRST_CONTACT, EscalationStep.RISK_ALERT)}
    breach = next(e for e in view.escalations if e.step is EscalationStep.BREACH)
    assert breach.role is POLICY.escalation.breach_notifies
    assert breach.overdue_seconds == (LONG_AFTER - DEADLINE_MINUTE) * 60
    assert all(entry.refused is None for entry in view.timeline)  # none refused as stale by the fold
    assert ladder(view, POLICY) == []


def test_the_desk_taking_it_on_itself_is_not_told_again_of_the_same_deadline() -> None:
    first, events = unassigned()
    view = fire(fold(events), LONG_AFTER)
    view = apply(view, desk(first.referral_id, "accepted", LONG_AFTER + 1))
    assert view.state is State.ACCEPTED and view.lead_agency_id == DESK
    assert due_now(view, POLICY, at(LONG_AFTER + 2)) == []


def test_an_agency_the_desk_names_is_told_in_its_turn_once_it_accepts() -> None:
    """The desk holds it past the deadline, names cmh-west, which accepts: on the same deadline
    (an urgent clock starts at submission), cmh-west's own leads hear of the breach."""
    first, events = unassigned()
    rid = first.referral_id
    view = fire(fold(events), LONG_AFTER)
    view = apply(view, desk(rid, "redirect_requested", LONG_AFTER + 1, redirect_reason="no_capacity",
                            reason_text="cmh-west has a place now"))
    view = apply(view, triaged(first, LONG_AFTER + 2, tier=URGENT, lead="cmh-west",
                               reroute_of=reroute_request(view, events).event_id))
    view = fire(view, LONG_AFTER + 3)
    assert view.state is State.REDIRECTING and told(view) == {(step, DESK) for step in FIRST_CONTACT}
    view = fire(apply(view, milestone(rid, "accepted", LONG_AFTER + 4, agency="cmh-west")), LONG_AFTER + 5)
    assert {(step, "cmh-west") for step in FIRST_CONTACT} <= told(view)
    assert len({e.event_id for e in view.escalations}) == len(view.escalations) == 6


def test_a_clarification_owed_past_the_deadline_tells_the_sender_and_the_desk() -> None:
    first = submitted()
    asked = triaged(first, tier=URGENT, lead=None, outcome=TriageOutcome.CLARIFICATION_NEEDED, missing=["medications"])
    view = fire(fold([first, asked]), LONG_AFTER)
    assert view.state is State.AWAITING_CLARIFICATION
    assert {(EscalationStep.BREACH, first.data.source_agency_id), (EscalationStep.BREACH, DESK)} <= told(view)


def test_a_lead_that_asked_to_redirect_before_any_contact_is_told_of_the_breach() -> None:
    first = submitted()
    rid = first.referral_id
    events = [first, triaged(first, tier=URGENT), milestone(rid, "accepted", 10), milestone(rid, "redirect_requested", 20)]
    view = fire(fold(events), LONG_AFTER)
    assert view.state is State.REDIRECTING
    assert (EscalationStep.BREACH, "cmh-east") in told(view)


def test_a_redirect_after_first_contact_does_not_start_the_first_contact_clock_again() -> None:
    first = submitted()
    rid = first.referral_id
    events = [first, triaged(first, tier=URGENT), milestone(rid, "accepted", 10),
              milestone(rid, "contact_attempted", 15), milestone(rid, "redirect_requested", 20)]
    view = fire(fold(events), LONG_AFTER)
    assert view.state is State.REDIRECTING and not told(view) & {(s, "cmh-east") for s in FIRST_CONTACT}


@settings(max_examples=60, deadline=None)
@given(sweeps=st.lists(st.integers(0, LONG_AFTER), max_size=6), taken_at=st.none() | st.integers(1, LONG_AFTER))
def test_whenever_the_watcher_looks_a_passed_deadline_was_told_to_a_holder_once(sweeps, taken_at) -> None:
    """Swept at any moments, the desk taking it on itself or not: once a sweep comes after the
    deadline, a holder has been told of the breach, and no holder twice of one step."""
    first, events = unassigned()
    view = fold(events)
    moments = sorted({*sweeps, *([taken_at] if taken_at else [])})
    for minute in moments:
        if minute == taken_at:
            view = apply(view, desk(first.referral_id, "accepted", minute))
        view = fire(view, minute)
    steps = [(e.step, e.agency_id, e.deadline) for e in view.escalations]
    assert len(steps) == len(set(steps))
    if any(minute >= DEADLINE_MINUTE for minute in sweeps):
        assert (EscalationStep.BREACH, DESK) in told(view)
    assert all(entry.refused is None for entry in view.timeline)


def test_a_holder_other_than_a_lead_is_told_why_it_holds_the_referral() -> None:
    """The notice's guidance says why the desk holds a referral no agency took; a lead's
    first-contact rungs carry none (its action is the contact itself)."""
    first, events = unassigned()
    guidance = {escalation_event(fold(events), r, at(LONG_AFTER)).data.guidance
                for r in due_now(fold(events), POLICY, at(LONG_AFTER))}
    assert guidance == {"No agency offers an eligible service with capacity: the triage desk holds the referral."}
    lead = submitted()
    view = fold([lead, triaged(lead, tier=URGENT)])
    assert {escalation_event(view, r, at(LONG_AFTER)).data.guidance for r in due_now(view, POLICY, at(LONG_AFTER))} \
        == {None}


def test_each_rung_says_how_its_agency_holds_the_referral() -> None:
    """v2 of the escalation: the notifier words the desk's notice differently (find it a lead)."""
    first, events = unassigned()
    view = fold(events)
    assert {escalation_event(view, r, at(LONG_AFTER)).data.held_as for r in due_now(view, POLICY, at(LONG_AFTER))} \
        == {Role.TRIAGE_DESK}
    warm = submitted(risk_flags=["suicidal_ideation"])
    view = fold([warm, triaged(warm, tier=URGENT, warm_handoff=True), milestone(warm.referral_id, "accepted", 10)])
    held = {(r.agency_id, escalation_event(view, r, at(LONG_AFTER)).data.held_as)
            for r in due_now(view, POLICY, at(LONG_AFTER))}
    assert held == {("cmh-east", Role.LEAD), (warm.data.source_agency_id, Role.SENDER)}
