"""The published JSON Schemas (contracts/schemas/) refuse what the models refuse: each milestone
kind's required details, the person who acted, limited consent's scope and the contact detail a
preferred method needs. Checked with `jsonschema`, a validator the platform does not use, against
pydantic, the one it does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from referral_contracts import Actor, MilestoneRecorded
from referral_contracts.milestones import _REQUIRED, Milestone, MilestoneKind, MilestoneReport
from referral_contracts.referral import ReferralRequest

ROOT = Path(__file__).resolve().parents[3]
SNAPSHOTS = ROOT / "contracts" / "schemas"
DEMO = ROOT / "deploy" / "demo"
REFERRAL_ID = "6f1c1a8e-2f0b-4c55-9d7e-0d7b3b6c2a10"

# A valid value for every detail some kind requires.
DETAILS: dict[str, Any] = {
    "owner": "Sam Lee", "attempt_number": 1, "outcome": "reached", "channel": "phone",
    "appointment_at": "2026-03-02T10:00:00Z", "decline_reason": "person_declined",
    "redirect_reason": "no_capacity", "escalation_pathway": "crisis", "escalated_to_agency_id": "crisis-team",
    "withdrawal_reason": "other", "consent": {"status": "granted"},
    "explains_escalation_id": "0b9f3f5e-6d1a-4f43-8d2c-8a3f6f0f7c11", "plan_today": "call daily",
    "plan_two_weeks": "weekly group", "reason_text": "the person asked us to",
}
assert set(DETAILS) == {f for fields in _REQUIRED.values() for f in fields}, "a detail has no sample value"


def published(name: str) -> Draft202012Validator:
    schema = json.loads((SNAPSHOTS / name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


MILESTONE_REPORT = published("inbound/milestone-report.v1.json")
MILESTONE_RECORDED = published("events/milestone.recorded.v1.json")
REFERRAL_REQUEST = published("inbound/referral-request.v1.json")


def pydantic_accepts(model: type[BaseModel], body: dict[str, Any]) -> bool:
    try:
        model.model_validate_json(json.dumps(body))
    except ValidationError:
        return False
    return True


def report(kind: MilestoneKind, **changes: Any) -> dict[str, Any]:
    """A milestone report of `kind` with every detail that kind requires, then `changes`."""
    body = {"referral_id": REFERRAL_ID, "kind": kind.value, "actor": {"agency_id": "cmh-east", "person": "Sam Lee"}}
    body |= {name: DETAILS[name] for name in _REQUIRED.get(kind, ())}
    return body | changes


def both_agree(validator: Draft202012Validator, model: type[BaseModel], body: dict[str, Any]) -> bool:
    """Whether both accept `body`; fails the test when one accepts and the other refuses."""
    by_schema, by_model = validator.is_valid(body), pydantic_accepts(model, body)
    assert by_schema == by_model, f"JSON Schema {'accepts' if by_schema else 'refuses'}, pydantic does not: {body}"
    return by_schema


@pytest.mark.parametrize("kind", list(MilestoneKind))
def test_every_kind_with_its_details_passes_both(kind: MilestoneKind) -> None:
    assert both_agree(MILESTONE_REPORT, MilestoneReport, report(kind))


@pytest.mark.parametrize(("kind", "detail"), [(k, d) for k, fields in _REQUIRED.items() for d in fields])
def test_a_kind_missing_a_detail_is_refused_by_both(kind: MilestoneKind, detail: str) -> None:
    missing = report(kind)
    del missing[detail]
    assert not both_agree(MILESTONE_REPORT, MilestoneReport, missing)
    assert not both_agree(MILESTONE_REPORT, MilestoneReport, report(kind, **{detail: None}))


@pytest.mark.parametrize("person", ["absent", None])
def test_a_milestone_names_the_person_who_acted(person: object) -> None:
    actor = {"agency_id": "cmh-east"} | ({} if person == "absent" else {"person": person})
    assert not both_agree(MILESTONE_REPORT, MilestoneReport, report(MilestoneKind.ACKNOWLEDGED, actor=actor))


def test_the_demo_milestones_pass_both() -> None:
    for path in sorted((DEMO / "milestones").glob("*.json")):
        body = json.loads(path.read_text()) | {"referral_id": REFERRAL_ID}
        assert both_agree(MILESTONE_REPORT, MilestoneReport, body), path.name


def recorded(body: dict[str, Any]) -> dict[str, Any]:
    """A milestone.recorded event as written to the topic (every field, absent ones as null)."""
    milestone = Milestone.model_validate({k: v for k, v in body.items() if k != "referral_id"})
    event = MilestoneRecorded.create(referral_id=UUID(REFERRAL_ID), correlation_id=UUID(int=1),
                                     actor=Actor(agency_id="tracking"), data=milestone)
    return event.model_dump(mode="json")


@pytest.mark.parametrize(("kind", "detail"), [(k, d) for k, fields in _REQUIRED.items() for d in fields])
def test_a_recorded_event_with_a_null_detail_is_refused_by_both(kind: MilestoneKind, detail: str) -> None:
    event = recorded(report(kind))
    assert both_agree(MILESTONE_RECORDED, MilestoneRecorded, event)
    event["data"][detail] = None  # serialized events write absent details as null
    assert not both_agree(MILESTONE_RECORDED, MilestoneRecorded, event)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(list(MilestoneKind)), details=st.sets(st.sampled_from(sorted(DETAILS))),
       nulls=st.sets(st.sampled_from(sorted(DETAILS))), person=st.booleans())
def test_the_schema_and_the_model_agree_on_any_milestone(kind: MilestoneKind, details: set[str], nulls: set[str],
                                                         person: bool) -> None:
    body = {"referral_id": REFERRAL_ID, "kind": kind.value,
            "actor": {"agency_id": "cmh-east", **({"person": "Sam Lee"} if person else {})}}
    body |= {name: DETAILS[name] for name in details} | {name: None for name in nulls - details}
    both_agree(MILESTONE_REPORT, MilestoneReport, body)


def demo_referral(**changes: Any) -> dict[str, Any]:
    return json.loads((DEMO / "referral.json").read_text()) | changes


@pytest.mark.parametrize(("consent", "valid"), [
    ({"status": "granted"}, True),
    ({"status": "limited", "agencies": ["cmh-east"]}, True),
    ({"status": "limited", "data_categories": ["outcome"]}, True),
    ({"status": "limited"}, False),
    ({"status": "limited", "agencies": [], "data_categories": []}, False),
    ({"status": "refused", "agencies": []}, True),
])
def test_limited_consent_needs_a_scope_in_both(consent: dict[str, Any], valid: bool) -> None:
    assert both_agree(REFERRAL_REQUEST, ReferralRequest, demo_referral(consent=consent)) is valid


@pytest.mark.parametrize(("contact", "valid"), [
    ({"preferred_method": "phone", "phone": "+44 7700 900123"}, True),
    ({"preferred_method": "sms"}, False),
    ({"preferred_method": "email", "phone": "+44 7700 900123"}, False),
    ({"preferred_method": "email", "email": "j@example.org"}, True),
    ({"preferred_method": "letter", "address": ""}, False),
    ({"preferred_method": "letter", "address": "1 High St"}, True),
    ({"preferred_method": "in_person"}, True),
])
def test_a_preferred_contact_method_needs_its_detail_in_both(contact: dict[str, Any], valid: bool) -> None:
    referral = demo_referral()
    referral["person"] = referral["person"] | {"contact": contact}
    assert both_agree(REFERRAL_REQUEST, ReferralRequest, referral) is valid
