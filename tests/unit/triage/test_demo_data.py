"""The demo files a newcomer runs with: they must load, agree with each other and route as the README says."""

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from referral_contracts import AcuityTier, ReferralRequest, TriageOutcome
from referral_contracts.directory import Directory, LeadRole
from referral_contracts.policy import Policy, load_policy
from triage.domain import triage

from factories import referral_payload

DEMO = Path(__file__).resolve().parents[3] / "deploy" / "demo"
FICTIONAL_PHONE = re.compile(r"^\+44 7700 900\d{3}$")  # Ofcom's range for drama
EXAMPLE_EMAIL = re.compile(r"^[a-z0-9.]+@[a-z0-9-]+\.example$")


@pytest.fixture(scope="module")
def demo_directory() -> Directory:
    return Directory.load(DEMO / "hsds")


@pytest.fixture(scope="module")
def demo_policy() -> Policy:
    return load_policy(DEMO / "policy.yaml")


def test_every_demo_agency_has_all_four_named_leads_with_fictional_contacts(demo_directory: Directory) -> None:
    ids = [a.id for a in demo_directory.agencies]
    assert len(ids) == len(set(ids))
    for agency in demo_directory.agencies:
        assert {lead.role for lead in agency.leads} == set(LeadRole), agency.id
        for lead in agency.leads:
            assert lead.name and EXAMPLE_EMAIL.match(lead.email or ""), (agency.id, lead)
            assert FICTIONAL_PHONE.match(lead.phone or ""), (agency.id, lead)
        assert agency.leads_in(LeadRole.REFERRAL_CONTACT)[0].email == f"referrals@{agency.id}.example"


def test_demo_policy_holds_the_standards_and_the_england_bank_holidays(
    demo_policy: Policy, demo_directory: Directory
) -> None:
    assert demo_directory.agency(demo_policy.triage_desk_agency_id) is not None
    assert demo_policy.calendar.timezone == "Europe/London"
    standards = {tier: demo_policy.tier(tier).standard for tier in AcuityTier}
    assert (standards[AcuityTier.URGENT].hours, standards[AcuityTier.CRISIS_FOLLOW_UP].hours) == (4, 24)
    assert (standards[AcuityTier.PRIORITY].business_days, standards[AcuityTier.ROUTINE].business_days) == (5, 10)
    bank_holidays = [date(2026, 4, 3), date(2026, 12, 28), date(2027, 3, 29), date(2027, 12, 27), date(2027, 12, 28)]
    assert not any(demo_policy.calendar.is_working_day(day) for day in bank_holidays)


def test_demo_referral_is_the_example_payload_and_triages_to_cmh_east(
    demo_directory: Directory, demo_policy: Policy
) -> None:
    body = json.loads((DEMO / "referral.json").read_text())
    assert body == referral_payload(client_reference="DEMO-0001")
    decision = triage(
        ReferralRequest.model_validate(body), directory=demo_directory, policy=demo_policy,
        clock_start=datetime(2026, 6, 8, 10, 0, tzinfo=timezone.utc),
    )
    assert decision.outcome is TriageOutcome.ASSIGNED
    assert decision.tier is AcuityTier.ROUTINE
    assert (decision.lead_agency_id, decision.service_id) == ("cmh-east", "cmh-east-adult")
