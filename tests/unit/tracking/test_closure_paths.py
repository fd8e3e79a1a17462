"""Every way a loop closes, redirects with no gap in accountability, clarification and consent."""

from __future__ import annotations

import pytest

from referral_contracts import ClosureOutcome, Consent, ConsentStatus, TriageOutcome
from tracking.lifecycle.accountability import accountable_at
from tracking.outgoing.closure import outgoing, reroute_request
from tracking.lifecycle.fold import check, fold, fold_with_steps
from tracking.lifecycle.model import Role, State
from tracking.lifecycle.refusal import Refused

from event_factories import at, milestone, submitted, triaged


def closure_messages(view, events, steps):
    return [message for topic, message in outgoing(view, events, steps) if topic == "referral.closed.v1"]


def accepted_referral(**changes):
    first = submitted(**changes)
    rid = first.referral_id
    return first, [first, triaged(first), milestone(rid, "acknowledged", 5), milestone(rid, "accepted", 10)]


@pytest.mark.parametrize(("kind", "agency", "outcome", "reason"), [
    ("declined", "cmh-east", ClosureOutcome.DECLINED, "person_declined"),
    ("escalated", "cmh-east", ClosureOutcome.ESCALATED, "crisis"),
    ("withdrawn", "gp-north", ClosureOutcome.WITHDRAWN, "no_longer_needed"),
])
def test_each_closure_records_its_reason_and_ends_accountability(kind, agency, outcome, reason) -> None:
    first, events = accepted_referral()
    events += [milestone(first.referral_id, kind, 20, agency=agency)]
    view, steps = fold_with_steps(events)
    assert view.state is State.CLOSED and view.closure.outcome is outcome and view.closure.reason_code == reason
    assert view.accountable == [] and view.accountability[-1].end == at(20)
    [message] = closure_messages(view, events, steps)
    assert message.data.reason_code == reason


def test_only_the_sender_may_withdraw() -> None:
    first, events = accepted_referral()
    view = fold(events)
    with pytest.raises(Refused, match="only the sending agency"):
        check(view, milestone(first.referral_id, "withdrawn", 20, agency="cmh-east"))


def test_redirected_twice_then_engaged_with_no_gap_in_accountability() -> None:
    first, events = accepted_referral()
    rid = first.referral_id
    ask1 = milestone(rid, "redirect_requested", 20)
    events += [ask1]
    view = fold(events)
    assert view.state is State.REDIRECTING
    request = reroute_request(view, events)
    assert request.data.excluded_agencies == ["cmh-east"] and request.data.request == first.data
    events += [triaged(first, 25, lead="talking-therapies", reroute_of=request.event_id)]
    view = fold(events)
    assert view.pending_lead_agency_id == "talking-therapies"
    assert [a.agency_id for a in view.accountable] == ["cmh-east"], "the current lead holds it until acceptance"
    assert reroute_request(view, events) is None
    events += [milestone(rid, "accepted", 30, agency="talking-therapies", person="Ana Ruiz")]
    ask2 = milestone(rid, "redirect_requested", 40, agency="talking-therapies", person="Ana Ruiz")
    events += [ask2]
    second = reroute_request(fold(events), events)
    assert second.data.excluded_agencies == ["cmh-east", "talking-therapies"] and second.causation_id == ask2.event_id
    events += [triaged(first, 45, lead="crisis-team", reroute_of=second.event_id),
               milestone(rid, "accepted", 50, agency="crisis-team", person="Kit Moss"),
               milestone(rid, "engaged", 60, agency="crisis-team", person="Kit Moss")]
    view = fold(events)
    assert view.state is State.CLOSED and view.closure.outcome is ClosureOutcome.ENGAGED
    assert view.previous_leads == ["cmh-east", "talking-therapies"]
    assert [e.refused for e in view.timeline] == [None] * len(events)
    holders = [[a.agency_id for a in accountable_at(view, at(m))] for m in (0, 22, 35, 47, 55, 61)]
    assert holders == [["gp-north"], ["cmh-east"], ["talking-therapies"], ["talking-therapies"],
                       ["crisis-team"], []]
    periods = view.accountability
    assert all(a.end == b.start for a, b in zip(periods, periods[1:]))


def test_a_stale_reroute_answer_changes_nothing() -> None:
    first, events = accepted_referral()
    view = fold([*events, triaged(first, 25, lead="crisis-team", reroute_of=first.event_id)])
    assert view.timeline[-1].refused and view.state is State.ACCEPTED


def test_clarification_round_trip() -> None:
    first = submitted()
    rid = first.referral_id
    asked = triaged(first, outcome=TriageOutcome.CLARIFICATION_NEEDED, lead=None, missing=["medications"])
    view = fold([first, asked])
    assert view.state is State.AWAITING_CLARIFICATION and view.missing_information == ["medications"]
    assert {a.role for a in view.accountable} == {Role.SENDER, Role.TRIAGE_DESK}
    revised = submitted(rid, 60, medications=["sertraline 50mg", "zopiclone"])
    stale = triaged(first, 61)  # an answer to the first revision arriving late
    view = fold([first, asked, revised, stale, triaged(revised, 62)])
    assert view.state is State.ASSIGNED and view.revision == 2 and view.missing_information == []
    assert "earlier revision" in view.timeline[3].refused


def test_warm_handoff_sender_stays_until_engagement() -> None:
    first = submitted(risk_flags=["suicidal_ideation"])
    rid = first.referral_id
    events = [first, triaged(first, warm_handoff=True), milestone(rid, "accepted", 10)]
    view = fold(events)
    assert {a.role for a in view.accountable} == {Role.SENDER, Role.LEAD}
    view = fold([*events, milestone(rid, "engaged", 20)])
    assert view.accountable == [] and view.state is State.CLOSED


def test_consent_withdrawal_takes_effect_at_once_even_after_closure() -> None:
    first, events = accepted_referral()
    rid = first.referral_id
    events += [milestone(rid, "engaged", 20), milestone(rid, "consent_changed", 30, agency="gp-north")]
    view, steps = fold_with_steps(events)
    assert view.consent == Consent(status=ConsentStatus.WITHDRAWN)
    assert closure_messages(view, events, steps)[0].data.consent.status is ConsentStatus.WITHDRAWN


def test_an_agency_without_a_part_cannot_change_consent() -> None:
    first, events = accepted_referral()
    with pytest.raises(Refused, match="no part"):
        check(fold(events), milestone(first.referral_id, "consent_changed", 20, agency="housing-support"))
