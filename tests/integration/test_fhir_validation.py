"""Every FHIR resource the platform writes, and the FHIR referral it reads, checked by an
independent validator: HAPI FHIR 8.6.1's instance validator against the FHIR R4 core definitions
(devstack.fhir_validator; jars from Maven Central via `devstack fetch`), all files in one JVM.
BSeR's TaskBusinessStatusCS is given to it (tests/data/fhir), so a business status code that is
not BSeR's is an error too. Zero errors per file; warnings are allowed but must be the expected
kinds (a code system the validator cannot hold)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from devstack.fhir_validator import Issue, validate

from intake.fhir.api import transaction_response
from intake.fhir.bundle import read_bundle
from intake.fhir.outcome import Problem, operation_outcome
from tracking.fhir.resources import service_request, task
from tracking.lifecycle.fold import fold

from factories import person_payload, referral_payload
from fhir_referrals import fhir_referral
from fhir_states import STATES, history

pytestmark = pytest.mark.integration
DEFINITIONS = Path(__file__).parents[1] / "data" / "fhir"
DEMO = Path(__file__).parents[2] / "deploy" / "demo" / "referral.fhir.json"
# What HAPI may warn about without a terminology server: the platform's own code systems, and its
# best-practice wish for a narrative (the views are data for systems, not documents for people).
EXPECTED_WARNINGS = ("CodeSystem is unknown and can't be validated: urn:closed-loop-referrals:",
                     "dom-6: 'A resource should have narrative")
# FHIR in: the referrals an EHR sends (the README's example among them), as the tests send them.
SENT = {
    "demo": None,
    "limited-consent-risk-flags": referral_payload(
        consent={"status": "limited", "agencies": ["cmh-east"], "data_categories": ["outcome"]},
        risk_flags=["self_harm"], immediate_safety_actions=["Safety plan agreed"]),
    "refused-consent-letter": referral_payload(consent={"status": "refused"}, person=person_payload(
        contact={"preferred_method": "letter", "address": "1 High St, Leeds"})),
    "no-consent-email": referral_payload(consent={"status": "unknown"}, person=person_payload(
        contact={"preferred_method": "email", "email": "j@example.org"})),
}


def _resources() -> dict[str, dict]:
    written: dict[str, dict] = {}
    for kind in STATES:
        view = fold(history(kind))
        written[f"{kind}.Task.json"] = task(view)
        written[f"{kind}.ServiceRequest.json"] = service_request(view)
    for name, payload in SENT.items():
        bundle = json.loads(DEMO.read_text()) if payload is None else fhir_referral(payload)
        written[f"in-{name}.Bundle.json"] = bundle
    referral, _ = read_bundle(written["in-demo.Bundle.json"])
    written["in-answer.Bundle.json"] = transaction_response(referral, fold(history("submitted")).referral_id)
    written["in-refusal.OperationOutcome.json"] = operation_outcome([
        Problem("Bundle.entry[2].resource.birthDate", "person.date_of_birth: date_of_birth is in the future"),
        Problem(None, "missing credential: send Authorization: Bearer <API key>", "login")])
    return written


@pytest.fixture(scope="module")
def hapi(tmp_path_factory) -> tuple[dict[str, dict], int, list[Issue]]:
    folder = tmp_path_factory.mktemp("fhir")
    resources = _resources()
    for name, resource in resources.items():
        (folder / name).write_text(json.dumps(resource))
    # A control the validator must refuse, so a validator that checks nothing cannot pass this test.
    broken = {**resources["accepted.Task.json"], "status": "received-ish"}
    broken["businessStatus"] = {"coding": [{"system": broken["businessStatus"]["coding"][0]["system"], "code": "3.9"}]}
    (folder / "zz-control.Task.json").write_text(json.dumps(broken))
    count, issues = validate(folder, definitions=DEFINITIONS)
    return resources, count, issues


def test_every_state_validates_with_no_error(hapi) -> None:
    resources, count, issues = hapi
    assert count == len(resources) + 1
    errors = [i for i in issues if i.severity in ("error", "fatal") and not i.file.startswith("zz-")]
    assert errors == []


def test_warnings_are_only_what_no_terminology_server_can_check(hapi) -> None:
    _, _, issues = hapi
    warnings = [i for i in issues if i.severity == "warning" and not i.file.startswith("zz-")]
    assert [w for w in warnings if not any(expected in w.message for expected in EXPECTED_WARNINGS)] == []


def test_the_validator_refuses_a_bad_status_and_a_code_bser_does_not_have(hapi) -> None:
    _, _, issues = hapi
    control = {(i.location, i.severity) for i in issues if i.file == "zz-control.Task.json"}
    assert ("Task.status", "error") in control and ("Task.businessStatus", "error") in control
