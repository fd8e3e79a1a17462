from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from referral_contracts import ClosureOutcome
from tracking.outgoing.closure import closure_message
from tracking.lifecycle.fold import fold
from tracking.lifecycle.model import Role, State

from event_factories import at, closed_loop, milestone, submitted, triaged


def test_nothing_to_show_until_the_submission_is_known() -> None:
    rid = uuid4()
    assert fold([triaged(submitted(rid)), milestone(rid, "acknowledged", 5)]) is None


def test_a_submitted_referral_is_held_by_its_sender() -> None:
    view = fold([submitted()])
    assert view.state is State.SUBMITTED
    assert [(a.agency_id, a.role) for a in view.accountable] == [("gp-north", Role.SENDER)]
    assert closure_message(view) is None


def test_the_full_loop_closes_on_engagement_with_a_closure_message() -> None:
    events = closed_loop()
    view = fold(events)
    assert view.state is State.CLOSED
    assert view.closure.outcome is ClosureOutcome.ENGAGED and view.closure.closed_at == at(30)
    assert view.owner == "Sam Lee" and view.contact_attempts == 1
    assert [e.refused for e in view.timeline] == [None] * 6
    message = closure_message(view)
    assert message.data.source_agency_id == "gp-north" and message.data.client_reference == "GPN-2026-0001"
    assert closure_message(fold(events)).event_id == message.event_id  # rebuilt, same id


def test_accountability_has_no_gaps_and_names_the_owner() -> None:
    view = fold(closed_loop())
    periods = view.accountability
    assert [p.accountable[0].agency_id for p in periods] == ["gp-north", "cmh-east", "cmh-east"]
    assert periods[2].accountable[0].person == "Sam Lee"
    for before, after in zip(periods, periods[1:]):
        assert before.end == after.start
    assert periods[-1].end == at(30) and view.accountable == []


def test_warm_handoff_keeps_the_sender_accountable_until_engagement() -> None:
    first = submitted()
    view = fold([first, triaged(first, warm_handoff=True)])
    assert {(a.agency_id, a.role) for a in view.accountable} == {("gp-north", Role.SENDER), ("cmh-east", Role.LEAD)}


def test_no_eligible_agency_leaves_the_triage_desk_accountable() -> None:
    first = submitted()
    view = fold([first, triaged(first, lead=None)])
    assert view.state is State.UNASSIGNED
    assert [(a.agency_id, a.role) for a in view.accountable] == [("triage-desk", Role.TRIAGE_DESK)]


def test_illegal_milestones_are_kept_with_a_reason_and_change_nothing() -> None:
    first = submitted()
    rid = first.referral_id
    view = fold([first, triaged(first), milestone(rid, "engaged", 5), milestone(rid, "acknowledged", 6, agency="other"),
                 milestone(rid, "acknowledged", 7)])
    assert view.state is State.ACKNOWLEDGED and view.closure is None
    refusals = [e.refused for e in view.timeline]
    assert "before the referral was accepted" in refusals[2]
    assert "not the accountable lead agency" in refusals[3]
    assert refusals[4] is None


def test_nothing_applies_after_closure() -> None:
    events = closed_loop()
    view = fold(events + [milestone(events[0].referral_id, "contact_attempted", 40)])
    assert view.timeline[-1].refused.startswith("referral is closed")
    assert view.contact_attempts == 1


@settings(max_examples=50)
@given(st.permutations(range(6)))
def test_arrival_order_does_not_matter(order: list[int]) -> None:
    events = closed_loop()
    assert fold([events[i] for i in order]) == fold(events)
