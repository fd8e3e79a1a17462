"""The partnership policy file: what loads, and the mistakes that must fail at start-up, naming the key."""

import copy
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from referral_contracts import AcuityTier, RiskFlag
from referral_contracts.directory import Capacity, LeadRole
from referral_contracts.policy import ClockStart, Policy, PolicyFileError, load_policy

DEMO_POLICY = Path(__file__).resolve().parents[3] / "deploy" / "demo" / "policy.yaml"
_DELETE = object()


@pytest.fixture
def doc() -> dict[str, Any]:
    """The demo policy as a plain document, to break in one place per test."""
    return copy.deepcopy(yaml.safe_load(DEMO_POLICY.read_text()))


def changed(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return doc


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_the_demo_policy_loads_with_every_key() -> None:
    policy = load_policy(DEMO_POLICY)
    assert policy.triage_desk_agency_id == "triage-desk"
    assert policy.calendar.working_hours.start == time(9, 0) and policy.calendar.working_hours.end == time(17, 0)
    assert (policy.calendar.country, policy.calendar.subdivision) == ("GB", "ENG")
    assert policy.calendar.working_days == [1, 2, 3, 4, 5]
    assert policy.tier(AcuityTier.URGENT).standard.hours == 4
    assert policy.tier(AcuityTier.URGENT).clock_starts_at is ClockStart.SUBMITTED
    assert "thoughts of ending" in policy.tier(AcuityTier.URGENT).presenting_need_phrases
    assert "discharged from hospital" in policy.tier(AcuityTier.CRISIS_FOLLOW_UP).presenting_need_phrases
    assert policy.tier(AcuityTier.ROUTINE).standard.business_days == 10
    assert policy.tier(AcuityTier.ROUTINE).clock_starts_at is ClockStart.TRIAGED
    assert policy.tier(AcuityTier.ROUTINE).accepted_capacity == [Capacity.AVAILABLE, Capacity.WAITLIST]
    assert RiskFlag.RECENT_DISCHARGE in policy.warm_handoff_flags
    assert policy.unknown_outcome_after_days == 14
    assert policy.escalation.reminder_at_fraction == 0.75
    assert policy.escalation.breach_notifies is LeadRole.OPERATIONAL
    assert policy.escalation.risk_flags_notify_immediately is LeadRole.SAFEGUARDING
    assert policy.required_fields_for(AcuityTier.ROUTINE) == ["person.contact.phone"]
    assert policy.required_fields_for(AcuityTier.URGENT) == [
        "person.contact.phone", "medications", "immediate_safety_actions"]


def test_yaml_means_what_a_partnership_writes(tmp_path: Path, doc: dict[str, Any]) -> None:
    text = yaml.safe_dump(doc)
    for quoted, plain in [("end: '17:00'", "end: 17:00"), ("country: GB", "country: NO"),
                          ("subdivision: ENG", "subdivision: null")]:
        assert quoted in text
        text = text.replace(quoted, plain)  # unquoted, the way people write them
    assert yaml.safe_load(text)["calendar"]["working_hours"]["end"] == 1020  # what YAML 1.1 makes of it
    policy = load_policy(write(tmp_path, text))
    assert policy.calendar.working_hours.end == time(17, 0)  # YAML 1.1 would read 1020
    assert policy.calendar.country == "NO"  # Norway, not False


def test_an_error_names_the_file_and_each_bad_key(tmp_path: Path, doc: dict[str, Any]) -> None:
    changed(doc, "tiers.urgent.standard", {"hours": 4, "business_days": 1})
    changed(doc, "escalation.reminder_at_fraction", 1.5)
    path = write(tmp_path, yaml.safe_dump(doc))
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert str(path) in message
    assert "tiers.urgent.standard: a time standard has exactly one of hours, minutes or business_days" in message
    assert "escalation.reminder_at_fraction: Input should be less than 1" in message


@pytest.mark.parametrize(
    ("text", "message"),
    [("tiers: [urgent\n", "not valid YAML"), ("- urgent\n", "expected a mapping"), ("", "expected a mapping")],
)
def test_a_file_that_is_not_a_policy_document_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PolicyFileError, match=message):
        load_policy(write(tmp_path, text))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("tiers.urgent.standard", {}, "exactly one of hours, minutes or business_days"),
        ("tiers.priority.standard", {"business_days": 0}, "greater than 0"),
        ("tiers.priority.clock_starts_at", "referred", "'submitted' or 'triaged'"),
        ("tiers.priority.clock_starts_at", _DELETE, "Field required"),
        ("tiers.crisis_follow_up", _DELETE, "missing: crisis_follow_up"),
        ("tiers.routine.risk_flags", ["substance_use"], "routine"),
        ("tiers.routine.presenting_need_phrases", ["low mood"], "routine"),
        ("tiers.priority.risk_flags", ["self_harm"], "risk flag 'self_harm' is listed under both"),
        ("tiers.priority.presenting_need_phrases", ["Plan To Harm"], "phrase 'plan to harm' is listed under both"),
        ("tiers.priority.presenting_need_phrases", ["  "], "at least 1 character"),
        ("tiers.routine.accepted_capacity", [], "at least 1"),
        ("calendar.holidays", ["2026-12-25"], "no longer listed by hand"),
        ("calendar.country", "XX", "no public holidays known"),
        ("triage_desk_agency_id", "", "at least 1"),
        ("required_fields", ["person.contact.fone"], "person.contact has no field 'fone'"),
        ("required_fields", ["medications.dose"], "medications has no fields"),
        ("required_fields", ["medications", {"field": "medications"}], "listed more than once: medications"),
        ("required_fields", [{"field": "medications", "tiers": []}], "at least 1"),
        ("required_fields", [{"field": "medications", "tiers": ["soon"]}], "urgent"),
        ("unknown_outcome_after_days", 0, "greater than 0"),
        ("escalation.reminder_at_fraction", 0, "greater than 0"),
        ("escalation.breach_notifies", "manager", "operational"),
        ("escalation.partnership_lead_after_hours", -1, "greater than 0"),
        ("escalation", _DELETE, "Field required"),
        ("escalation.after_hours", 2, "Extra inputs are not permitted"),
    ],
)
def test_a_broken_policy_is_refused_with_a_clear_message(
    doc: dict[str, Any], path: str, value: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Policy.model_validate(changed(doc, path, value))


def test_a_required_field_may_be_written_alone_or_with_its_tiers(doc: dict[str, Any]) -> None:
    changed(doc, "required_fields", ["current_services", {"field": "person.contact.email", "tiers": ["routine"]}])
    policy = Policy.model_validate(doc)
    assert policy.required_fields_for(AcuityTier.PRIORITY) == ["current_services"]
    assert policy.required_fields_for(AcuityTier.ROUTINE) == ["current_services", "person.contact.email"]
