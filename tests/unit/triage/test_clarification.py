"""Missing required information: a same-day clarification request, never a silent reject, and never
a delay of urgent care."""

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from referral_contracts import AcuityTier, TriageDecision, TriageOutcome
from referral_contracts.directory import Directory
from referral_contracts.policy import Policy
from triage.domain import clock_start_for, is_empty, missing_information, triage

from factories import agency_payload as agency
from factories import directory, person_payload, referral_payload, referral_request
from factories import service_payload as service

UTC = timezone.utc
MONDAY_11AM = datetime(2026, 6, 8, 10, 0, tzinfo=UTC)  # 11:00 BST
MONDAY_CLOSE = datetime(2026, 6, 8, 16, 0, tzinfo=UTC)  # 17:00 BST
ONE_CMH = directory(agency("cmh-east", service("cmh-east-adult")))
NO_PHONE = person_payload(contact={"preferred_method": "letter", "address": "1 Example Road"})


def decide(policy: Policy, clock: datetime = MONDAY_11AM, the_directory: Directory = ONE_CMH,
           **request: Any) -> TriageDecision:
    return triage(referral_request(**request), directory=the_directory, policy=policy, clock_start=clock)


def test_a_routine_referral_without_a_phone_asks_the_sender_by_close_of_business(policy: Policy) -> None:
    decision = decide(policy, person=NO_PHONE)
    assert decision.outcome is TriageOutcome.CLARIFICATION_NEEDED
    assert decision.missing_information == ["person.contact.phone"]
    assert decision.clarification_due == MONDAY_CLOSE
    assert (decision.lead_agency_id, decision.service_id) == (None, None)
    assert decision.contact_deadline == datetime(2026, 6, 22, 16, 0, tzinfo=UTC)  # the standard still stands
    assert ("clarification needed: missing person.contact.phone: gp-north is asked for it by close of "
            "business; triage-desk stays accountable") in decision.reasons


@pytest.mark.parametrize(
    ("clock", "due"),
    [
        (datetime(2026, 6, 8, 15, 59, tzinfo=UTC), MONDAY_CLOSE),  # 16:59 BST: still today
        (datetime(2026, 6, 8, 16, 0, tzinfo=UTC), MONDAY_CLOSE + timedelta(days=1)),  # at close: tomorrow
        (datetime(2026, 6, 6, 12, 0, tzinfo=UTC), MONDAY_CLOSE),  # Saturday: Monday
        (datetime(2026, 12, 24, 18, 0, tzinfo=UTC), datetime(2026, 12, 29, 17, 0, tzinfo=UTC)),  # Christmas
    ],
)
def test_the_clarification_is_due_the_same_working_day_or_the_next(
    policy: Policy, clock: datetime, due: datetime
) -> None:
    assert decide(policy, clock=clock, person=NO_PHONE).clarification_due == due


@pytest.mark.parametrize(
    ("flags", "tier"), [(["suicidal_ideation"], AcuityTier.URGENT), (["recent_discharge"], AcuityTier.CRISIS_FOLLOW_UP)]
)
def test_urgent_care_is_never_held_for_paperwork_but_the_sender_is_still_asked(
    policy: Policy, flags: list[str], tier: AcuityTier
) -> None:
    decision = decide(policy, risk_flags=flags, person=NO_PHONE, medications=[])
    assert decision.tier is tier
    assert decision.outcome is TriageOutcome.ASSIGNED and decision.lead_agency_id == "cmh-east"
    assert decision.missing_information == ["person.contact.phone", "medications"]
    assert decision.clarification_due == MONDAY_CLOSE
    assert any(r.endswith("care is not held up for it") for r in decision.reasons)


def test_a_priority_referral_is_held_for_missing_information(policy: Policy) -> None:
    decision = decide(policy, risk_flags=["substance_use"], consent={"status": "unknown"})
    assert decision.outcome is TriageOutcome.CLARIFICATION_NEEDED
    assert decision.missing_information == ["consent.status"]


def test_a_field_scoped_to_other_tiers_is_not_required(policy: Policy) -> None:
    decision = decide(policy, medications=[])  # medications are required for urgent and crisis only
    assert decision.outcome is TriageOutcome.ASSIGNED
    assert (decision.missing_information, decision.clarification_due) == ([], None)


@pytest.mark.parametrize("value", [None, "", "   ", [], [""], ["  ", ""]])
def test_none_blank_and_empty_count_as_missing(value: object) -> None:
    assert is_empty(value)


@pytest.mark.parametrize("value", ["x", ["", "sertraline"], 0, False])
def test_anything_else_counts_as_present(value: object) -> None:
    assert not is_empty(value)


def test_every_configured_kind_of_field_can_be_missing(policy_doc: dict[str, Any]) -> None:
    policy_doc["required_fields"] = ["person.contact.email", "current_services", "immediate_safety_actions",
                                     "referrer.phone", "medications"]
    policy = Policy.model_validate(policy_doc)
    request = referral_request(
        current_services=[" "], referrer={**referral_payload()["referrer"], "phone": None},
        consent={"status": "unknown"},
    )
    assert missing_information(request, policy, AcuityTier.ROUTINE) == [
        "person.contact.email", "current_services", "immediate_safety_actions", "referrer.phone", "consent.status"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [(["self_harm"], "submitted"), (["recent_discharge"], "submitted"), (["substance_use"], "triaged"),
     ([], "triaged")],
)
def test_the_clock_starts_where_the_tier_says(policy: Policy, flags: list[str], expected: str) -> None:
    submitted_at, triaged_at = MONDAY_11AM, MONDAY_11AM + timedelta(minutes=3)
    start = clock_start_for(referral_request(risk_flags=flags), policy, submitted_at=submitted_at,
                            triaged_at=triaged_at)
    assert start == {"submitted": submitted_at, "triaged": triaged_at}[expected]
