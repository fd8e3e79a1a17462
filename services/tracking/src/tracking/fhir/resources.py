"""A referral as HL7 FHIR R4 (validated against R4B, its compatible release): a ServiceRequest
(what was asked) and a Task (where it stands), after the Gravity SDOH Clinical Care referral
pattern, with BSeR business status codes. Pure: a view in, plain resources out.

Minimum necessary: the person is named by the sender's own reference only (an identifier the
sender can match), never by name, birth date or contact details.
"""

from __future__ import annotations

from typing import Any

from referral_contracts import AcuityTier

from tracking.lifecycle.model import ReferralView, State

REFERRAL_SYSTEM = "urn:closed-loop-referrals:referral"
AGENCY_SYSTEM = "urn:closed-loop-referrals:agency"
BSER_STATUS = "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS"
URGENT_TIERS = frozenset({AcuityTier.URGENT, AcuityTier.CRISIS_FOLLOW_UP})

# state -> (Task.status, BSeR business status code and display, status reason when it needs one)
_OPEN_STATUS: dict[State, tuple[str, str, str, str | None]] = {
    State.SUBMITTED: ("requested", "2.0", "Created", None),
    State.AWAITING_CLARIFICATION: ("on-hold", "2.0", "Created", "awaiting information from the sender"),
    State.UNASSIGNED: ("on-hold", "2.0", "Created", "no eligible agency with capacity yet: the triage desk holds it"),
    State.ASSIGNED: ("requested", "2.0", "Created", None),
    State.ACKNOWLEDGED: ("requested", "2.0", "Created", None),
    State.ACCEPTED: ("accepted", "3.0", "Accepted", None),
    State.CONTACT_ATTEMPTED: ("in-progress", "3.0", "Accepted", None),
    State.APPOINTMENT_SCHEDULED: ("in-progress", "5.1.1", "Event Scheduled", None),
    State.REDIRECTING: ("on-hold", "3.0", "Accepted", "redirect requested: the current lead holds it until the next agency accepts"),
}
_CLOSED_STATUS: dict[str, tuple[str, str, str]] = {
    "engaged": ("completed", "7.0", "Fulfillment Completed"),
    "declined": ("rejected", "4.0", "Declined"),
    "withdrawn": ("cancelled", "6.0", "Fulfillment Cancelled"),
    "escalated": ("completed", "6.0", "Fulfillment Cancelled"),  # handed to a crisis / safeguarding pathway
    "redirected": ("cancelled", "6.0", "Fulfillment Cancelled"),
}
_AFTER_APPOINTMENT = {"appointment_missed": ("5.1.2", "Scheduled Event Unattended"),
                      "appointment_cancelled": ("5.1.3", "Scheduled Event Cancelled")}


def _agency(agency_id: str) -> dict[str, Any]:
    return {"identifier": {"system": AGENCY_SYSTEM, "value": agency_id}, "display": agency_id}


def _person(view: ReferralView) -> dict[str, Any]:
    return {"identifier": {"system": f"urn:closed-loop-referrals:client-reference:{view.source_agency_id}",
                           "value": view.client_reference}}


def _priority(view: ReferralView) -> str:
    return "urgent" if view.tier in URGENT_TIERS else "routine"


def service_request(view: ReferralView) -> dict[str, Any]:
    closed = view.state in (State.CLOSED, State.LINKED)
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": str(view.referral_id),
        "identifier": [{"system": REFERRAL_SYSTEM, "value": str(view.referral_id)}],
        "status": ("completed" if view.closure and view.closure.outcome.value == "engaged" else "revoked")
        if closed else "active",
        "intent": "order", "priority": _priority(view), "code": {"text": view.service_type},
        "subject": _person(view), "authoredOn": view.submitted_at.isoformat(),
        "requester": _agency(view.source_agency_id),
    }
    if view.lead_agency_id:
        resource["performer"] = [_agency(view.lead_agency_id)]
    return resource


def task(view: ReferralView) -> dict[str, Any]:
    status, code, display, reason = _task_status(view)
    resource: dict[str, Any] = {
        "resourceType": "Task", "id": str(view.referral_id),
        "identifier": [{"system": REFERRAL_SYSTEM, "value": str(view.referral_id)}],
        "status": status, "intent": "order", "priority": _priority(view),
        "businessStatus": {"coding": [{"system": BSER_STATUS, "code": code, "display": display}], "text": display},
        "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}]},
        "focus": {"reference": f"ServiceRequest/{view.referral_id}"},
        "for": _person(view), "authoredOn": view.submitted_at.isoformat(),
        "lastModified": view.last_activity_at.isoformat(), "requester": _agency(view.source_agency_id),
    }
    if reason:
        resource["statusReason"] = {"text": reason}
    if view.lead_agency_id:
        resource["owner"] = _agency(view.lead_agency_id)
    if view.contact_deadline and view.is_open:
        resource["restriction"] = {"period": {"end": view.contact_deadline.isoformat()}}
    return resource


def _task_status(view: ReferralView) -> tuple[str, str, str, str | None]:
    if view.state is State.LINKED:
        return "cancelled", "6.0", "Fulfillment Cancelled", f"duplicate of referral {view.linked_to}"
    if view.state is State.CLOSED and view.closure is not None:
        status, code, display = _CLOSED_STATUS[view.closure.outcome.value]
        why = view.closure.reason_code.replace("_", " ") if view.closure.reason_code else None
        return status, code, display, why if status in ("rejected", "cancelled") or why else None
    status, code, display, reason = _OPEN_STATUS[view.state]
    last = next((t.milestone for t in reversed(view.timeline) if t.milestone and not t.refused), None)
    if view.state is State.CONTACT_ATTEMPTED and last in _AFTER_APPOINTMENT:
        code, display = _AFTER_APPOINTMENT[last]
    return status, code, display, reason
