"""A referral as FHIR R4 ServiceRequest and Task, validated by fhir.resources (R4B)."""

from __future__ import annotations

from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from referral_contracts import AcuityTier
from tracking.fhir.resources import service_request, task
from tracking.lifecycle.fold import fold

from event_factories import closed_loop, milestone, submitted, triaged


def validated(view) -> tuple[Task, ServiceRequest]:
    return Task.model_validate(task(view)), ServiceRequest.model_validate(service_request(view))


def test_an_engaged_referral_is_a_completed_task_with_bser_fulfillment_completed() -> None:
    done, request = validated(fold(closed_loop()))
    assert (done.status, done.businessStatus.coding[0].code, done.priority) == ("completed", "7.0", "routine")
    assert request.status == "completed" and done.focus.reference == f"ServiceRequest/{request.id}"
    assert done.owner.identifier.value == "cmh-east" and done.requester.identifier.value == "gp-north"
    text = done.model_dump_json() + request.model_dump_json()
    assert "Jordan" not in text and "1990" not in text  # the person only by the sender's reference


def test_declined_is_rejected_with_its_reason_and_an_appointment_no_show_is_5_1_2() -> None:
    first = submitted()
    rid = first.referral_id
    base = [first, triaged(first, tier=AcuityTier.URGENT), milestone(rid, "accepted", 10),
            milestone(rid, "appointment_scheduled", 20)]
    no_show, _ = validated(fold([*base, milestone(rid, "appointment_missed", 30)]))
    assert (no_show.status, no_show.businessStatus.coding[0].code, no_show.priority) == ("in-progress", "5.1.2", "urgent")
    declined, request = validated(fold([*base, milestone(rid, "declined", 40)]))
    assert (declined.status, declined.businessStatus.coding[0].code) == ("rejected", "4.0")
    assert declined.statusReason.text == "person declined" and request.status == "revoked"


def test_a_referral_waiting_for_information_is_on_hold_and_says_why() -> None:
    first = submitted()
    held, _ = validated(fold([first, triaged(first, lead=None, outcome="clarification_needed",
                                             missing=["person.contact.phone"])]))
    assert held.status == "on-hold" and "information" in held.statusReason.text
