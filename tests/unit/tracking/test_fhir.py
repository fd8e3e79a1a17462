"""A referral as FHIR R4 ServiceRequest and Task in every state it can be in: Task.status after
SDOHCC's referral Task workflow, BSeR business status with the code system's displays, validated
by fhir.resources (R4B). The HAPI validator runs on the same resources in tests/integration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from tracking.fhir.resources import service_request, task
from tracking.fhir.workflow import BSER_DISPLAY, BSER_SYSTEM
from tracking.lifecycle.fold import fold

from fhir_states import STATES, history

# state -> (Task.status, BSeR business status, words the status reason has, or None for no reason)
EXPECTED = {
    "submitted": ("requested", "2.0", None),
    "awaiting_clarification": ("requested", "2.0", "awaiting information from the sender"),
    "unassigned": ("requested", "2.0", "the triage desk holds it"),
    "assigned": ("requested", "2.0", None),
    "urgent_assigned": ("requested", "2.0", None),
    "received": ("requested", "2.0", "received by the lead agency"),
    "accepted": ("accepted", "3.0", None),
    "contact_attempted": ("in-progress", "3.0", None),
    "scheduled": ("in-progress", "5.1.1", None),
    "no_show": ("in-progress", "5.1.2", None),
    "appointment_cancelled": ("in-progress", "5.1.3", None),
    "redirecting_never_accepted": ("requested", "2.0", "redirect requested (no capacity): cmh-east holds it"),
    "redirect_offered_never_accepted": ("requested", "2.0", "until talking-therapies accepts"),
    "redirecting_after_acceptance": ("on-hold", "3.0", "redirect requested (no capacity)"),
    "redirected_and_accepted": ("accepted", "3.0", None),
    "engaged": ("completed", "7.0", None),
    "declined_before_contact": ("cancelled", "4.0", "declined by the person: person declined"),
    "declined_after_contact": ("cancelled", "4.0", "declined by the person: person declined"),
    "withdrawn": ("cancelled", "6.0", "withdrawn by the sender: no longer needed"),
    "escalated": ("cancelled", "6.0", "escalated to another pathway: crisis"),
    "linked": ("cancelled", "6.0", "a duplicate of referral"),
}
# SDOHCC-ValueSetReferralTaskStatus: FHIR's task statuses but `ready` and `received`.
SDOHCC_REFERRAL_TASK_STATUS = {"draft", "requested", "accepted", "rejected", "cancelled", "in-progress", "on-hold",
                               "failed", "completed", "entered-in-error"}
BSER_CODE_SYSTEM = Path(__file__).parents[2] / "data" / "fhir" / "CodeSystem-TaskBusinessStatusCS.json"


def validated(kind: str) -> tuple[Task, ServiceRequest]:
    view = fold(history(kind))
    return Task.model_validate(task(view)), ServiceRequest.model_validate(service_request(view))


def test_every_state_of_the_platform_has_an_expected_task() -> None:
    assert set(EXPECTED) == set(STATES)


@pytest.mark.parametrize("kind", STATES)
def test_each_state_is_a_task_status_and_bser_business_status(kind: str) -> None:
    done, _ = validated(kind)
    status, business, reason = EXPECTED[kind]
    coding = done.businessStatus.coding[0]
    assert (done.status, coding.code, coding.system) == (status, business, BSER_SYSTEM)
    assert coding.display == done.businessStatus.text == BSER_DISPLAY[business]
    assert (reason is None and done.statusReason is None) or reason in done.statusReason.text


@pytest.mark.parametrize("kind", STATES)
def test_each_task_keeps_to_the_sdohcc_referral_task_rules(kind: str) -> None:
    """The rules of SDOHCC Task For Referral Management this platform can keep (its profile is
    not claimed: its StructureDefinition is not to be had here, see the README)."""
    done, request = validated(kind)
    assert done.status in SDOHCC_REFERRAL_TASK_STATUS
    if done.status in {"rejected", "cancelled", "on-hold", "failed"}:
        assert done.statusReason.text  # "should be included"
    assert done.intent == "order" and done.code.coding[0].code == "fulfill"
    assert done.focus.reference == f"ServiceRequest/{request.id}" and done.for_fhir and done.authoredOn
    assert done.requester.identifier.value == "gp-north" and done.meta is None and request.meta is None
    assert done.priority in {"routine", "urgent"}


def test_the_bser_displays_are_the_code_systems_own() -> None:
    """Against BSeR's TaskBusinessStatusCS as published (transcribed in tests/data/fhir)."""
    published = json.loads(BSER_CODE_SYSTEM.read_text())
    assert published["url"] == BSER_SYSTEM
    assert BSER_DISPLAY == {c["code"]: c["display"] for c in published["concept"]}


def test_an_acknowledged_referral_redirected_before_anyone_accepted_is_not_accepted() -> None:
    """The drift the issue found: on-hold with 3.0 Accepted although no agency ever accepted."""
    done, _ = validated("redirecting_never_accepted")
    assert (done.status, done.businessStatus.coding[0].code) == ("requested", "2.0")
    paused, _ = validated("redirecting_after_acceptance")
    assert (paused.status, paused.businessStatus.coding[0].code) == ("on-hold", "3.0")


def test_an_engaged_referral_is_completed_and_names_nobody() -> None:
    done, request = validated("engaged")
    assert request.status == "completed" and done.owner.identifier.value == "cmh-east"
    text = done.model_dump_json() + request.model_dump_json()
    assert "Jordan" not in text and "1990" not in text and "Prefers" not in text  # references and codes only


def test_the_service_request_has_a_category_and_a_coded_service() -> None:
    _, request = validated("accepted")
    assert request.category[0].coding[0].code == "3457005"  # SNOMED CT: patient referral
    codes = {(c.system, c.code) for c in request.code.coding}
    assert ("urn:closed-loop-referrals:service-type", "community_mental_health") in codes
    assert ("http://snomed.info/sct", "390866009") in codes  # referral to mental health team
    placer = next(i for i in request.identifier if i.type is not None)
    assert placer.type.coding[0].code == "PLAC" and placer.value == "GPN-2026-0001"


def test_priority_is_urgent_for_urgent_and_crisis_tiers() -> None:
    assert validated("urgent_assigned")[0].priority == "urgent"
    assert validated("assigned")[1].priority == "routine"


def test_declined_and_withdrawn_revoke_the_service_request() -> None:
    for kind in ("declined_after_contact", "withdrawn", "escalated", "linked"):
        assert validated(kind)[1].status == "revoked"
    assert validated("accepted")[1].status == "active"
