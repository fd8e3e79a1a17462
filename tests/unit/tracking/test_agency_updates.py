"""What each agency hears back on its own outbound topic: only the referrals it has a part in, the
changes of its time with them, and the closure's outcome only as consent allows."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from referral_contracts import ClosureOutcome, Consent, ConsentStatus, topics
from referral_contracts.outbound import Change, Part
from tracking.outgoing.agency_updates import agency_updates
from tracking.outgoing.closure import reroute_request
from tracking.lifecycle.fold import fold, fold_with_steps

from event_factories import closed_loop, milestone, submitted, triaged

SENDER, LEAD = "gp-north", "cmh-east"


def updates_of(events) -> list[tuple[str, Change, Part, object]]:
    _, steps = fold_with_steps(events)
    return [(topics.outbound_agency(topic), u.data.change, u.data.your_part, u) for topic, u in agency_updates(steps)]


def test_the_sender_hears_every_change_and_the_lead_its_own_time_with_the_referral() -> None:
    heard = updates_of(closed_loop())
    assert [(a, c) for a, c, _, _ in heard if a == SENDER] == [
        (SENDER, Change.TRIAGED), (SENDER, Change.ACKNOWLEDGED), (SENDER, Change.ACCEPTED), (SENDER, Change.CLOSED)]
    assert [c for a, c, _, _ in heard if a == LEAD] == [Change.TRIAGED, Change.ACKNOWLEDGED, Change.ACCEPTED,
                                                        Change.CLOSED]
    assert {a for a, *_ in heard} == {SENDER, LEAD}, "no agency without a part hears anything"
    triage_to_lead = next(u for a, c, _, u in heard if a == LEAD and c is Change.TRIAGED)
    assert triage_to_lead.data.your_part is Part.LEAD and triage_to_lead.data.lead_agency_id == LEAD
    assert triage_to_lead.data.contact_deadline is not None and triage_to_lead.data.client_reference is None
    accepted = next(u for a, c, _, u in heard if a == SENDER and c is Change.ACCEPTED)
    assert accepted.data.owner == "Sam Lee" and accepted.data.client_reference == "GPN-2026-0001"


def test_the_closure_carries_the_outcome_only_where_consent_allows() -> None:
    events = closed_loop()
    shared = next(u for a, c, _, u in updates_of(events) if a == SENDER and c is Change.CLOSED)
    assert shared.data.outcome is ClosureOutcome.ENGAGED and not shared.data.outcome_withheld
    refused = [submitted(consent=Consent(status=ConsentStatus.REFUSED))]
    rid = refused[0].referral_id
    refused += [triaged(refused[0]), milestone(rid, "accepted", 10), milestone(rid, "engaged", 30)]
    withheld = next(u for a, c, _, u in updates_of(refused) if a == SENDER and c is Change.CLOSED)
    assert withheld.data.outcome is None and withheld.data.outcome_withheld and withheld.data.reason_code is None


def test_a_redirect_tells_the_sender_the_lead_it_leaves_and_the_next_agency() -> None:
    first = submitted()
    rid = first.referral_id
    events = [first, triaged(first), milestone(rid, "accepted", 10), milestone(rid, "redirect_requested", 20)]
    request = reroute_request(fold(events), events)
    events += [triaged(first, 25, lead="talking-therapies", reroute_of=request.event_id),
               milestone(rid, "accepted", 30, agency="talking-therapies", person="Ana Ruiz")]
    redirected = {(a, p) for a, c, p, _ in updates_of(events) if c is Change.REDIRECTED}
    assert redirected == {(SENDER, Part.SENDER), (LEAD, Part.LEAD), ("talking-therapies", Part.LEAD)}
    accepted_by_next = {(a, p) for a, c, p, u in updates_of(events)
                        if c is Change.ACCEPTED and u.data.owner == "Ana Ruiz"}
    assert accepted_by_next == {(SENDER, Part.SENDER), ("talking-therapies", Part.LEAD), (LEAD, Part.PREVIOUS_LEAD)}


def test_a_clarification_request_goes_to_the_sender_only() -> None:
    first = submitted()
    heard = updates_of([first, triaged(first, lead=None, outcome="clarification_needed", missing=["medications"])])
    assert [(a, c) for a, c, _, _ in heard] == [(SENDER, Change.CLARIFICATION_REQUESTED)]
    assert heard[0][3].data.missing_information == ["medications"]


def test_a_refused_milestone_tells_nobody() -> None:
    first = submitted()
    rid = first.referral_id
    heard = updates_of([first, triaged(first), milestone(rid, "accepted", 10, agency="housing-support")])
    assert Change.ACCEPTED not in {c for _, c, _, _ in heard}


@settings(max_examples=30, deadline=None)
@given(st.permutations(range(6)))
def test_updates_have_stable_ids_whatever_order_events_arrive_in(order) -> None:
    """Events arrive out of order across topics; the fold sorts them, so the same updates with the
    same ids come out, and a repeat is recognised downstream by its id."""
    events = closed_loop()
    ids = {u.event_id for *_, u in updates_of(events)}
    assert {u.event_id for *_, u in updates_of([events[i] for i in order])} == ids
    assert len(ids) == len(updates_of(events)), "each update is one of a kind"
