"""No wrong door: a referral its lead cannot take is routed on, never to an agency that had it."""

from datetime import datetime, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from referral_contracts import AcuityTier, Actor, Reroute, TriageDecision, TriageOutcome
from referral_contracts.directory import Directory
from referral_contracts.policy import Policy
from triage.domain import reroute

from factories import agency_payload as agency
from factories import directory, person_payload, referral_request
from factories import service_payload as service

MONDAY_11AM = datetime(2026, 6, 8, 10, 0, tzinfo=timezone.utc)
THREE = directory(agency("gp-north", service("gp")), agency("cmh-east", service("east")),
                  agency("cmh-west", service("west")), agency("cmh-south", service("south")))


def route_on(policy: Policy, the_directory: Directory = THREE, *, current: str = "cmh-east",
             excluded: list[str] | None = None, suggested: str | None = None, **request: Any) -> TriageDecision:
    data = Reroute(request=referral_request(**request), current_lead_agency_id=current,
                   excluded_agencies=excluded or [], reason="no_capacity", reason_text="Caseload full until May",
                   suggested_agency_id=suggested)
    return reroute(data, directory=the_directory, policy=policy, clock_start=MONDAY_11AM)


def test_the_sender_and_the_current_lead_are_excluded(policy: Policy) -> None:
    decision = route_on(policy)
    assert (decision.outcome, decision.lead_agency_id, decision.service_id) == (TriageOutcome.ASSIGNED, "cmh-west", "west")
    assert decision.excluded_agencies == ["gp-north", "cmh-east"]
    assert decision.reasons[0] == "reroute requested by cmh-east: no_capacity"
    assert "skipped cmh-east: it is the current lead, which asked to route it on" in decision.reasons
    assert not any("Caseload" in reason for reason in decision.reasons)  # free text stays out of reasons


def test_earlier_leads_are_excluded_too(policy: Policy) -> None:
    decision = route_on(policy, excluded=["cmh-west"])
    assert decision.lead_agency_id == "cmh-south"
    assert decision.excluded_agencies == ["gp-north", "cmh-east", "cmh-west"]
    assert "skipped cmh-west: an earlier lead" in decision.reasons


def test_an_eligible_suggestion_is_preferred(policy: Policy) -> None:
    decision = route_on(policy, suggested="cmh-south")
    assert decision.lead_agency_id == "cmh-south"
    assert decision.reasons[-1] == "lead cmh-south (service south): suggested, and eligible with capacity"


def test_an_ineligible_suggestion_is_passed_over_with_its_reason(policy: Policy) -> None:
    south_full = directory(agency("cmh-east", service("east")), agency("cmh-west", service("west")),
                           agency("cmh-south", service("south", capacity="no_capacity")))
    decision = route_on(policy, south_full, suggested="cmh-south")
    assert decision.lead_agency_id == "cmh-west"
    assert "skipped cmh-south/south: capacity no_capacity not accepted for routine" in decision.reasons


def test_an_excluded_or_unknown_suggestion_is_not_taken(policy: Policy) -> None:
    excluded = route_on(policy, suggested="cmh-east")
    assert excluded.lead_agency_id == "cmh-west"
    assert "suggested cmh-east cannot lead: it is the current lead, which asked to route it on" in excluded.reasons
    unknown = route_on(policy, suggested="nowhere")
    assert unknown.lead_agency_id == "cmh-west" and "suggested nowhere is not in the directory" in unknown.reasons


def test_with_nobody_left_the_desk_joins_and_the_current_lead_stays_accountable(policy: Policy) -> None:
    decision = route_on(policy, excluded=["cmh-west", "cmh-south"], risk_flags=["substance_use"])
    assert decision.outcome is TriageOutcome.UNASSIGNED and decision.lead_agency_id is None
    assert decision.tier is AcuityTier.PRIORITY  # tiered as any request
    assert decision.reasons[-1] == (
        "unassigned: no other agency offers an eligible community_mental_health service with capacity for "
        "priority; triage-desk joins, and cmh-east stays accountable until a new lead accepts")


def test_a_reroute_is_never_held_for_missing_information_but_asks_for_it(policy: Policy) -> None:
    no_phone = person_payload(contact={"preferred_method": "letter", "address": "1 Example Road"})
    decision = route_on(policy, person=no_phone)
    assert decision.outcome is TriageOutcome.ASSIGNED and decision.lead_agency_id == "cmh-west"
    assert decision.missing_information == ["person.contact.phone"]
    assert decision.clarification_due is not None


agency_ids = st.sampled_from(["gp-north", "cmh-east", "cmh-west", "cmh-south"])


@given(current=agency_ids, excluded=st.lists(agency_ids, max_size=3), suggested=st.none() | agency_ids)
def test_the_new_lead_is_never_an_excluded_agency(
    policy: Policy, current: str, excluded: list[str], suggested: str | None
) -> None:
    decision = route_on(policy, current=current, excluded=excluded, suggested=suggested)
    barred = {"gp-north", current, *excluded}
    assert set(decision.excluded_agencies) == barred
    assert decision.lead_agency_id not in barred
    assert (decision.lead_agency_id is None) == (barred == {"gp-north", "cmh-east", "cmh-west", "cmh-south"})
    if suggested is not None and suggested not in barred:
        assert decision.lead_agency_id == suggested


DESK = Actor(agency_id="triage-desk", person="Dee Desk")
WITH_HOUSING = directory(agency("gp-north", service("gp")), agency("cmh-east", service("east")),
                         agency("cmh-west", service("west", capacity="no_capacity")),
                         agency("housing-support", service("tenancy", service_type="housing_support")))


def named_by(policy: Policy, named: str, *, asked_by: Actor = DESK, excluded: list[str] | None = None) -> TriageDecision:
    data = Reroute(request=referral_request(), current_lead_agency_id="cmh-east", excluded_agencies=excluded or [],
                   reason="better_fit_elsewhere", reason_text="Housing is the need behind it",
                   suggested_agency_id=named)
    return reroute(data, directory=WITH_HOUSING, policy=policy, clock_start=MONDAY_11AM, requested_by=asked_by)


def test_the_desk_names_a_lead_of_another_service_type(policy: Policy) -> None:
    decision = named_by(policy, "housing-support")
    assert (decision.outcome, decision.lead_agency_id, decision.service_id) == (TriageOutcome.ASSIGNED,
                                                                               "housing-support", None)
    assert decision.reasons[0] == "lead named by the triage desk triage-desk (Dee Desk): better_fit_elsewhere"
    assert decision.reasons[-1] == ("lead housing-support: named by the triage desk outside the directory's usual "
                                    "match (housing-support offers no community_mental_health service)")
    assert not any("Housing is the need" in reason for reason in decision.reasons)  # free text stays out


def test_the_desk_may_name_an_earlier_lead_or_one_without_capacity(policy: Policy) -> None:
    earlier = named_by(policy, "cmh-west", excluded=["cmh-west"])
    assert (earlier.lead_agency_id, earlier.service_id) == ("cmh-west", "west")
    assert "west: capacity no_capacity not accepted for routine" in earlier.reasons[-1]


def test_the_desk_cannot_name_the_sender_the_current_lead_or_an_unknown_agency(policy: Policy) -> None:
    for named, why in [("gp-north", "named gp-north cannot lead: it is the referring agency"),
                       ("cmh-east", "named cmh-east cannot lead: it is the current lead, which asked to route it on"),
                       ("nowhere", "named nowhere is not in the directory")]:
        decision = named_by(policy, named)
        assert decision.outcome is TriageOutcome.UNASSIGNED and why in decision.reasons
        assert decision.reasons[-1] == "unassigned: triage-desk still holds it"


def test_a_lead_naming_another_service_type_is_told_it_stays_a_suggestion(policy: Policy) -> None:
    decision = named_by(policy, "housing-support", asked_by=Actor(agency_id="cmh-east", person="Sam Lee"))
    assert decision.outcome is TriageOutcome.UNASSIGNED  # cmh-west has no capacity: nobody else is left
    assert ("suggested housing-support offers no community_mental_health service; the triage desk may name it "
            "as lead") in decision.reasons
