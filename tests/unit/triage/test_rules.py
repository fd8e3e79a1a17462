from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referral_contracts import AcuityTier, RiskFlag, TriageDecision, TriageOutcome
from referral_contracts.directory import Directory
from referral_contracts.calendar import deadline
from referral_contracts.policy import Policy
from triage.domain import triage

from factories import agency_payload as agency
from factories import directory, referral_request
from factories import service_payload as service

UTC = timezone.utc
MONDAY_11AM = datetime(2026, 6, 8, 10, 0, tzinfo=UTC)  # 11:00 BST, an ordinary working Monday


def decide(
    policy: Policy, the_directory: Directory, clock: datetime = MONDAY_11AM, **request: Any
) -> TriageDecision:
    return triage(referral_request(**request), directory=the_directory, policy=policy, clock_start=clock)


ONE_CMH = directory(agency("cmh-east", service("cmh-east-adult")))

# --- tier, warm handoff, deadline -------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "tier"),
    [
        ([], AcuityTier.ROUTINE),
        (["substance_use"], AcuityTier.PRIORITY),
        (["safeguarding_concern"], AcuityTier.PRIORITY),
        (["recent_discharge"], AcuityTier.CRISIS_FOLLOW_UP),
        (["substance_use", "recent_discharge"], AcuityTier.CRISIS_FOLLOW_UP),
        (["violence_risk"], AcuityTier.URGENT),
        (["recent_discharge", "self_harm", "safeguarding_concern"], AcuityTier.URGENT),
        ([flag.value for flag in RiskFlag], AcuityTier.URGENT),
    ],
)
def test_the_highest_tier_any_flag_points_to_wins(policy: Policy, flags: list[str], tier: AcuityTier) -> None:
    assert decide(policy, ONE_CMH, risk_flags=flags).tier is tier


RANK = {"suicidal_ideation": 0, "self_harm": 0, "violence_risk": 0, "recent_discharge": 1,
        "safeguarding_concern": 2, "substance_use": 2}
TIERS_BY_RANK = [AcuityTier.URGENT, AcuityTier.CRISIS_FOLLOW_UP, AcuityTier.PRIORITY, AcuityTier.ROUTINE]


@given(flags=st.lists(st.sampled_from([flag.value for flag in RiskFlag]), max_size=6))
def test_tier_is_the_most_severe_flag(policy: Policy, flags: list[str]) -> None:
    expected = TIERS_BY_RANK[min((RANK[f] for f in flags), default=3)]
    assert decide(policy, ONE_CMH, risk_flags=flags).tier is expected


@pytest.mark.parametrize(
    ("flags", "warm"),
    [
        (["suicidal_ideation"], True), (["self_harm"], True), (["safeguarding_concern"], True),
        (["recent_discharge"], True), (["violence_risk"], False), (["substance_use"], False), ([], False),
        (["substance_use", "safeguarding_concern"], True),
    ],
)
def test_warm_handoff_follows_the_policy_flags(policy: Policy, flags: list[str], warm: bool) -> None:
    decision = decide(policy, ONE_CMH, risk_flags=flags)
    assert decision.warm_handoff is warm
    assert any("warm handoff" in reason for reason in decision.reasons) is warm


def test_urgent_gets_interim_actions_and_a_four_hour_deadline(policy: Policy) -> None:
    decision = decide(policy, ONE_CMH, risk_flags=["suicidal_ideation"])
    assert decision.interim_safety_actions == ["same-day call-back", "interim safety guidance"]
    assert decision.clock_started_at == MONDAY_11AM
    assert decision.contact_deadline == MONDAY_11AM + timedelta(hours=4)
    assert decision.reasons[0] == "tier urgent: risk flags suicidal_ideation"


def test_routine_deadline_is_ten_business_days(policy: Policy) -> None:
    decision = decide(policy, ONE_CMH)
    assert decision.interim_safety_actions == []
    assert decision.contact_deadline == datetime(2026, 6, 22, 16, 0, tzinfo=UTC)  # Mon 22 Jun 17:00 BST


def test_a_naive_clock_start_is_refused(policy: Policy) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(policy, ONE_CMH, clock=datetime(2026, 6, 8, 11, 0))


# --- the lead agency ---------------------------------------------------------------------------


def test_the_first_suitable_agency_in_directory_order_leads(policy: Policy) -> None:
    both = directory(agency("cmh-west", service("w")), agency("cmh-east", service("e")))
    decision = decide(policy, both)
    assert decision.outcome is TriageOutcome.ASSIGNED
    assert (decision.lead_agency_id, decision.service_id) == ("cmh-west", "w")
    assert decision.reasons[-1].startswith("lead cmh-west (service w)")


def test_only_the_requested_service_type_counts(policy: Policy) -> None:
    mixed = directory(agency("housing", service("h", service_type="housing_support")), agency("cmh", service("c")))
    assert decide(policy, mixed).lead_agency_id == "cmh"


def test_the_referring_agency_is_never_picked(policy: Policy) -> None:
    both = directory(agency("gp-north", service("own")), agency("cmh-east", service("e")))
    decision = decide(policy, both, source_agency_id="gp-north")
    assert decision.lead_agency_id == "cmh-east"
    assert "skipped gp-north: it is the referring agency" in decision.reasons
    assert decision.excluded_agencies == ["gp-north"]


@given(source=st.integers(min_value=0, max_value=3), count=st.integers(min_value=1, max_value=4))
def test_the_source_is_never_the_lead_whatever_the_directory(policy: Policy, source: int, count: int) -> None:
    agencies = directory(*(agency(f"agency-{i}", service(f"s{i}")) for i in range(count)))
    decision = decide(policy, agencies, source_agency_id=f"agency-{source}")
    assert decision.lead_agency_id != f"agency-{source}"
    # Everyone is otherwise equally suitable, so the lead is the first agency that is not the source.
    others = [f"agency-{i}" for i in range(count) if i != source]
    assert decision.lead_agency_id == (others[0] if others else None)


@pytest.mark.parametrize("status", ["inactive", "defunct", "temporarily closed"])
def test_a_service_that_is_not_active_is_skipped(policy: Policy, status: str) -> None:
    decision = decide(policy, directory(agency("closed", service("c", status=status)), agency("open", service("o"))))
    assert decision.lead_agency_id == "open"
    assert f"skipped closed/c: service is {status}" in decision.reasons


@pytest.mark.parametrize(
    ("flags", "waitlist_ok"),
    [([], True), (["substance_use"], False), (["recent_discharge"], False), (["self_harm"], False)],
)
def test_a_waitlist_takes_routine_referrals_only(policy: Policy, flags: list[str], waitlist_ok: bool) -> None:
    the_directory = directory(agency("queue", service("q", capacity="waitlist")), agency("open", service("o")))
    assert decide(policy, the_directory, risk_flags=flags).lead_agency_id == ("queue" if waitlist_ok else "open")


def test_no_capacity_takes_nothing_not_even_routine(policy: Policy) -> None:
    decision = decide(policy, directory(agency("full", service("f", capacity="no_capacity"))))
    assert decision.outcome is TriageOutcome.UNASSIGNED
    assert "skipped full/f: capacity no_capacity not accepted for routine" in decision.reasons


def test_a_later_service_of_the_same_agency_can_lead(policy: Policy) -> None:
    split = directory(agency("cmh", service("young", eligibility={"max_age": 17}), service("adult")))
    decision = decide(policy, split)
    assert (decision.lead_agency_id, decision.service_id) == ("cmh", "adult")


# --- unassigned ---------------------------------------------------------------------------------


def test_with_no_suitable_agency_the_triage_desk_keeps_the_referral_with_a_deadline(policy: Policy) -> None:
    nobody = directory(agency("full", service("f", capacity="no_capacity")), agency("triage-desk"))
    decision = decide(policy, nobody, risk_flags=["safeguarding_concern"])
    assert decision.outcome is TriageOutcome.UNASSIGNED
    assert (decision.lead_agency_id, decision.service_id) == (None, None)
    assert decision.warm_handoff is True
    priority = policy.tier(AcuityTier.PRIORITY).standard
    assert decision.contact_deadline == deadline(MONDAY_11AM, priority, policy.calendar)
    assert decision.reasons[-1].startswith("unassigned: no agency offers an eligible community_mental_health")
    assert "triage-desk stays accountable" in decision.reasons[-1]


def test_an_empty_directory_is_unassigned_not_an_error(policy: Policy) -> None:
    assert decide(policy, directory()).outcome is TriageOutcome.UNASSIGNED
