"""FHIR R4 through the running services: a referral sent as FHIR to intake closes the loop like any
other, and its Task, read back from tracking by the id intake answered, shows each status as it
changes; a bad FHIR referral is refused with an OperationOutcome naming each problem. The views are
validated (fhir.resources here, HAPI in tests/integration) and read under the same access rules."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from devstack.fhir_validator import validate
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from factories import referral_payload
from fhir_referrals import entry, fhir_referral
from polling import eventually, referral_in
from referral_driver import Loop

pytestmark = pytest.mark.e2e
FHIR_JSON = "application/fhir+json"
LEAD = {"agency_id": "cmh-east", "person": "Sam Lee"}
DEFINITIONS = Path(__file__).parents[1] / "data" / "fhir"  # BSeR's business status code system


def post_fhir(intake: str, bundle: dict, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{intake}/fhir", content=json.dumps(bundle), headers={**headers, "Content-Type": FHIR_JSON})


def read_task(tracking: str, location: str, headers: dict[str, str], keep: Path | None = None) -> Task:
    """The Task as tracking serves it; `keep`: a folder to write it to, for HAPI to validate later."""
    answer = httpx.get(f"{tracking}/fhir/{location}", headers=headers)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(FHIR_JSON), answer.text
    if keep is not None:
        (keep / f"{len(list(keep.iterdir())):02d}.Task.json").write_text(answer.text)
    return Task.model_validate(answer.json())


def status_of(task: Task) -> tuple[str, str]:
    return task.status, task.businessStatus.coding[0].code


def test_a_referral_reads_as_a_valid_service_request_and_task(running_services, api_keys) -> None:
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    loop.accept()
    fhir = f"{loop.tracking}/fhir"
    task = read_task(loop.tracking, f"Task/{loop.id}", api_keys.headers("gp-north"))
    assert status_of(task) == ("accepted", "3.0")
    request = ServiceRequest.model_validate(
        httpx.get(f"{fhir}/ServiceRequest/{loop.id}", headers=api_keys.headers("cmh-east")).json())
    assert request.status == "active" and request.subject.identifier.value == loop.reference
    assert httpx.get(f"{fhir}/Task/{loop.id}", headers=api_keys.headers("housing-support")).status_code == 404


def test_a_fhir_referral_closes_the_loop_and_its_task_follows_every_step(running_services, api_keys, smtp_sink,
                                                                        tmp_path: Path) -> None:
    intake, tracking = running_services["intake"], running_services["tracking"]
    sender, lead = api_keys.headers("gp-north"), api_keys.headers("cmh-east")
    reference = f"FHIR-{uuid4().hex[:8]}"
    person = {**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:10]}"}
    answer = post_fhir(intake, fhir_referral(referral_payload(client_reference=reference, person=person)), sender)
    assert answer.status_code == 200 and answer.json()["type"] == "transaction-response", answer.text
    request_at, task_at = (e["response"]["location"] for e in answer.json()["entry"][:2])
    referral_id = task_at.removeprefix("Task/")
    assert request_at == f"ServiceRequest/{referral_id}"

    eventually(referral_in(tracking, referral_id, "assigned", sender), "triage to assign the FHIR referral")
    seen = [status_of(read_task(tracking, task_at, sender, tmp_path))]
    for milestone in [
        {"kind": "acknowledged"}, {"kind": "accepted", "owner": "Sam Lee"},
        {"kind": "contact_attempted", "attempt_number": 1, "outcome": "reached", "channel": "phone"},
        {"kind": "appointment_scheduled", "appointment_at": "2030-01-07T10:00:00+00:00"},
        {"kind": "engaged"},
    ]:
        recorded = httpx.post(f"{tracking}/v1/referrals/{referral_id}/milestones", json={**milestone, "actor": LEAD},
                              headers=lead)
        assert recorded.status_code == 201, recorded.text
        seen.append(status_of(read_task(tracking, task_at, sender, tmp_path)))  # tracking answers after storing it
    assert seen == [("requested", "2.0"), ("requested", "2.0"), ("accepted", "3.0"), ("in-progress", "3.0"),
                    ("in-progress", "5.1.1"), ("completed", "7.0")]
    done = read_task(tracking, task_at, sender)
    assert done.owner.identifier.value == "cmh-east" and done.focus.reference == request_at
    (tmp_path / "ServiceRequest.json").write_text(httpx.get(f"{tracking}/fhir/{request_at}", headers=sender).text)
    validated, issues = validate(tmp_path, definitions=DEFINITIONS)  # HAPI, on what the service served
    assert validated == len(seen) + 1 and [i for i in issues if i.severity in ("error", "fatal")] == []

    closed = eventually(referral_in(tracking, referral_id, "closed", sender), "the loop to close")
    assert closed["client_reference"] == reference and closed["consent"]["status"] == "granted"

    def closure_email():
        return [m for m in smtp_sink.messages() if reference in m.get_body(("plain",)).get_content()]

    [email] = eventually(closure_email, "the closure e-mail to the sender of the FHIR referral")
    assert referral_id in email.get_body(("plain",)).get_content()


def test_a_fhir_referral_sent_again_is_the_same_referral_and_over_http_too(running_services, api_keys) -> None:
    intake, tracking, sender = running_services["intake"], running_services["tracking"], api_keys.headers("gp-north")
    payload = referral_payload(client_reference=f"FHIR-{uuid4().hex[:8]}",
                               person={**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:10]}"})
    first, again = (post_fhir(intake, fhir_referral(payload), sender) for _ in range(2))
    over_http = httpx.post(f"{intake}/v1/referrals", json=payload, headers=sender)
    referral_id = over_http.json()["referral_id"]
    assert first.json()["entry"][1]["response"]["location"] == again.json()["entry"][1]["response"]["location"] \
        == f"Task/{referral_id}"
    view = eventually(referral_in(tracking, referral_id, "assigned", sender), "the referral to be triaged")
    assert view["revision"] == 1  # three submissions of one package: one referral, one revision


def test_a_bad_fhir_referral_is_refused_naming_each_problem(running_services, api_keys) -> None:
    intake, sender = running_services["intake"], api_keys.headers("gp-north")
    bundle = fhir_referral(referral_payload(client_reference=f"BAD-{uuid4().hex[:8]}"))
    entry(bundle, "Patient")["birthDate"] = "2999-01-01"
    entry(bundle, "Task")["status"] = "accepted"
    entry(bundle, "ServiceRequest")["code"] = {"text": "something"}
    refused = post_fhir(intake, bundle, sender)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(FHIR_JSON)
    outcome = refused.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert {e for issue in outcome["issue"] for e in issue["expression"]} == {
        "Bundle.entry[2].resource.birthDate", "Bundle.entry[1].resource.status", "Bundle.entry[0].resource.code"}
    assert "Jordan" not in refused.text  # the problem, never the person's data
    as_other = post_fhir(intake, fhir_referral(referral_payload()), api_keys.headers("cmh-east"))
    assert as_other.status_code == 403 and as_other.json()["issue"][0]["code"] == "forbidden"
