"""A referral as HL7 FHIR R4 (checked with fhir.resources against R4B, its compatible release, and in
the tests with the HAPI FHIR validator against R4): a ServiceRequest (what was asked) and a Task
(where it stands), after the SDOH Clinical Care IG's referral pattern, with BSeR business status
codes (workflow.py). Pure: a view in, plain resources out.

No `meta.profile` is claimed: neither the SDOHCC nor the BSeR StructureDefinitions can be had from
the registries this project installs from, so these resources are validated against R4 core only
(README, "FHIR").

Minimum necessary: the person is named by the sender's own reference only (an identifier the
sender can match), never by name, birth date or contact details; a status reason carries codes and
agency ids, never free text an agency wrote.
"""

from __future__ import annotations

from typing import Any

from referral_contracts import TIME_CRITICAL_TIERS
from referral_contracts.fhir import (
    AGENCY_SYSTEM,
    PLACER_TYPE,
    REFERRAL_CATEGORY,
    REFERRAL_SYSTEM,
    client_reference_system,
    service_type_code,
)

from tracking.fhir.workflow import BSER_SYSTEM, task_status
from tracking.lifecycle.model import ReferralView

TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"


def _agency(agency_id: str) -> dict[str, Any]:
    return {"identifier": {"system": AGENCY_SYSTEM, "value": agency_id}, "display": agency_id}


def _person(view: ReferralView) -> dict[str, Any]:
    return {"identifier": {"system": client_reference_system(view.source_agency_id), "value": view.client_reference}}


def _priority(view: ReferralView) -> str:
    """SDOHCC's Task priority tells urgent from routine: the time-critical tiers are urgent."""
    return "urgent" if view.tier in TIME_CRITICAL_TIERS else "routine"


def _identifiers(view: ReferralView) -> list[dict[str, Any]]:
    """The platform's id, and the sender's own reference as the placer's identifier (as BSeR's
    referral ServiceRequest has it), so the sender finds its referral either way."""
    return [{"system": REFERRAL_SYSTEM, "value": str(view.referral_id)},
            {"type": PLACER_TYPE, "system": client_reference_system(view.source_agency_id),
             "value": view.client_reference}]


def _request_status(view: ReferralView) -> str:
    if view.closure is None:
        return "active"
    return "completed" if view.closure.outcome.value == "engaged" else "revoked"


def service_request(view: ReferralView) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": str(view.referral_id),
        "identifier": _identifiers(view), "status": _request_status(view), "intent": "order",
        "category": [REFERRAL_CATEGORY], "priority": _priority(view), "code": service_type_code(view.service_type),
        "subject": _person(view), "authoredOn": view.submitted_at.isoformat(),
        "requester": _agency(view.source_agency_id),
    }
    if view.lead_agency_id:
        resource["performer"] = [_agency(view.lead_agency_id)]
    return resource


def task(view: ReferralView) -> dict[str, Any]:
    where = task_status(view)
    business = {"system": BSER_SYSTEM, "code": where.business, "display": where.business_display}
    resource: dict[str, Any] = {
        "resourceType": "Task", "id": str(view.referral_id),
        "identifier": [{"system": REFERRAL_SYSTEM, "value": str(view.referral_id)}],
        "status": where.status, "intent": "order", "priority": _priority(view),
        "businessStatus": {"coding": [business], "text": where.business_display},
        "code": {"coding": [{"system": TASK_CODE, "code": "fulfill", "display": "Fulfill the focal request"}]},
        "focus": {"reference": f"ServiceRequest/{view.referral_id}"},
        "for": _person(view), "authoredOn": view.submitted_at.isoformat(),
        "lastModified": view.last_activity_at.isoformat(), "requester": _agency(view.source_agency_id),
    }
    if where.reason:
        resource["statusReason"] = {"text": where.reason}
    if view.lead_agency_id:
        resource["owner"] = _agency(view.lead_agency_id)
    if view.contact_deadline and view.is_open:
        resource["restriction"] = {"period": {"end": view.contact_deadline.isoformat()}}
    return resource
