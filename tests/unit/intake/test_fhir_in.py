"""FHIR in: a transaction Bundle (SDOHCC's referral ServiceRequest and Task, with the Patient, the
referrer's PractitionerRole and the Consent) is the same handoff package as a `POST /v1/referrals`
body; what is wrong is named, problem by problem, as FHIRPath into what was sent."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from faststream.kafka import TestKafkaBroker

from intake.config import Settings
from intake.entrypoints.app import create_app
from intake.fhir.bundle import read_bundle
from intake.fhir.referral import referral_request
from referral_contracts import ReferralRequest, ReferralSubmitted, topics
from referral_contracts.codec import decode
from referral_contracts.referral import referral_id_for

from broker_recording import recorder
from factories import person_payload, referral_payload
from fhir_referrals import entry, fhir_referral

DEMO = Path(__file__).parents[3] / "deploy" / "demo"
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def mapped(bundle: dict) -> tuple[ReferralRequest | None, list]:
    """As intake's route reads it: the Bundle's problems and the handoff package's, all at once."""
    referral, problems = read_bundle(bundle)
    package, more = referral_request(referral) if referral else (None, [])
    return (None if problems else package), problems + more


def where(bundle: dict) -> dict[str, str]:
    """expression -> what is wrong, for every problem found."""
    _, problems = mapped(bundle)
    return {p.expression: p.text for p in problems}


@pytest.mark.parametrize("changes", [
    {},
    {"consent": {"status": "limited", "agencies": ["cmh-east"], "data_categories": ["outcome"]}},
    {"consent": {"status": "refused"}}, {"consent": {"status": "withdrawn"}}, {"consent": {"status": "unknown"}},
    {"risk_flags": ["suicidal_ideation", "recent_discharge"], "medications": [], "immediate_safety_actions": ["Safety plan"],
     "recent_incidents": ["ED visit"], "current_services": ["GP"]},
    {"person": person_payload(contact={"preferred_method": "sms", "phone": "+44 7700 900123"}, language="cy")},
    {"person": person_payload(contact={"preferred_method": "email", "email": "j@example.org", "phone": "+44 7700 900123"})},
    {"person": person_payload(contact={"preferred_method": "letter", "address": "1 High St, Leeds", "phone": "+44 7700 900123"})},
    {"service_type": "housing_support", "referrer": {"name": "Sam Lee", "role": "Nurse"}},
], ids=lambda changes: ",".join(changes) or "demo")
def test_a_fhir_referral_is_the_same_handoff_package(changes: dict) -> None:
    payload = referral_payload(**changes)
    package, problems = mapped(fhir_referral(payload))
    assert problems == [] and package == ReferralRequest.model_validate(payload)


def test_the_demo_fhir_referral_is_the_demo_referral() -> None:
    package, problems = mapped(json.loads((DEMO / "referral.fhir.json").read_text()))
    assert problems == [] and package == ReferralRequest.model_validate_json((DEMO / "referral.json").read_text())


def test_a_snomed_ct_code_alone_names_the_service_type() -> None:
    bundle = fhir_referral(referral_payload())
    code = entry(bundle, "ServiceRequest")["code"]
    code["coding"] = [c for c in code["coding"] if c["system"] == "http://snomed.info/sct"]
    assert mapped(bundle)[0].service_type == "community_mental_health"


def test_other_inputs_are_left_alone_and_an_unknown_handoff_input_is_named() -> None:
    bundle = fhir_referral(referral_payload())
    inputs = entry(bundle, "Task")["input"]
    inputs.append({"type": {"coding": [{"system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/"
                                                  "SDOHCC-CodeSystemTemporaryCodes", "code": "additional-content"}]},
                   "valueReference": {"reference": "QuestionnaireResponse/1"}})
    assert mapped(bundle)[1] == []
    inputs.append({"type": {"coding": [{"system": "urn:closed-loop-referrals:handoff", "code": "shoe_size"}]},
                   "valueString": "9"})
    assert list(where(bundle)) == [f"Bundle.entry[1].resource.input[{len(inputs) - 1}].type"]


def test_every_rule_of_the_handoff_package_is_named_at_the_fhir_element_it_came_from() -> None:
    bundle = fhir_referral(referral_payload(risk_flags=["self_harm"]))
    patient, request, task = entry(bundle, "Patient"), entry(bundle, "ServiceRequest"), entry(bundle, "Task")
    patient["birthDate"] = "2999-01-01"
    del patient["name"]
    request["reasonCode"] = []
    task["input"] = [i for i in task["input"] if i["type"]["coding"][0]["code"] != "outcome_sought"]
    next(i for i in task["input"] if i["type"]["coding"][0]["code"] == "risk_flag")["valueCode"] = "sad"
    problems = where(bundle)
    assert set(problems) == {"Bundle.entry[2].resource.birthDate", "Bundle.entry[2].resource.name[0].given",
                             "Bundle.entry[2].resource.name[0].family", "Bundle.entry[0].resource.reasonCode",
                             "Bundle.entry[1].resource.input", "Bundle.entry[1].resource.input[1].value"}
    assert "in the future" in problems["Bundle.entry[2].resource.birthDate"]
    assert problems["Bundle.entry[1].resource.input"] == "outcome_sought: required"


def test_a_bundle_that_is_not_a_referral_is_refused_with_every_problem_at_once() -> None:
    bundle = fhir_referral(referral_payload())
    entry(bundle, "Task")["status"] = "received"
    entry(bundle, "Task")["focus"] = {"reference": "ServiceRequest/elsewhere"}
    entry(bundle, "Patient")["birthDate"] = "12/04/1990"
    bundle["entry"][3]["request"] = {"method": "PUT", "url": "PractitionerRole/1"}
    problems = where(bundle)
    assert set(problems) == {"Bundle.entry[1].resource.status", "Bundle.entry[1].resource.focus",
                             "Bundle.entry[2].resource.birthDate", "Bundle.entry[3].request"}
    short = where({**bundle, "type": "batch", "entry": bundle["entry"][:3]})
    assert short.keys() == {"Bundle.type", "Bundle.entry", "Bundle.entry[2].resource.birthDate"}
    assert short["Bundle.entry"] == "a FHIR referral has one PractitionerRole"
    assert where({"resourceType": "Patient"}) == {"Bundle": "a FHIR referral is a Bundle of type transaction"}


def test_a_service_the_platform_cannot_name_and_a_missing_reference_are_named() -> None:
    bundle = fhir_referral(referral_payload())
    entry(bundle, "ServiceRequest")["code"] = {"text": "some therapy"}
    entry(bundle, "ServiceRequest")["identifier"] = []
    entry(bundle, "PractitionerRole")["organization"] = {"display": "GP North"}
    assert set(where(bundle)) == {"Bundle.entry[0].resource.code", "Bundle.entry[0].resource.identifier",
                                  "Bundle.entry[3].resource.organization.identifier"}


@pytest.fixture
def intake(api_keys):
    app = create_app(Settings(api_keys_path=str(api_keys.hashes_path)))
    published: list = []
    app.state.broker.subscriber(topics.REFERRAL_SUBMITTED, group_id="test-observer")(recorder(published))
    return app, api_keys, published


def client(app, keys, agency: str | None = "gp-north") -> httpx.AsyncClient:
    headers = {**FHIR_JSON, **(keys.headers(agency) if agency else {})}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake", headers=headers)


async def test_posted_as_fhir_it_is_submitted_as_any_referral_is(intake) -> None:
    app, keys, published = intake
    payload = referral_payload(client_reference=f"FHIR-{uuid4().hex[:6]}")
    async with TestKafkaBroker(app.state.broker), client(app, keys) as http:
        first = await http.post("/fhir", content=json.dumps(fhir_referral(payload)))
        again = await http.post("/fhir", content=json.dumps(fhir_referral(payload)))
        over_http = await http.post("/v1/referrals", json=payload)
    assert first.status_code == again.status_code == 200, first.text
    referral_id = referral_id_for("gp-north", payload["client_reference"])
    answer = first.json()
    assert answer["type"] == "transaction-response" and first.headers["content-type"].startswith("application/fhir+json")
    assert [e["response"]["status"] for e in answer["entry"]] == ["201 Created", "201 Created"] + ["202 Accepted"] * 3
    assert answer["entry"][1]["response"]["location"] == f"Task/{referral_id}"
    events = [decode(ReferralSubmitted, m.body) for m in published]
    assert {e.referral_id for e in events} == {referral_id} and len({e.event_id for e in events}) == 1  # one event
    assert over_http.json()["referral_id"] == str(referral_id)


async def test_refusals_are_operation_outcomes(intake) -> None:
    app, keys, published = intake
    bundle = fhir_referral(referral_payload(source_agency_id="ed-central"))
    async with TestKafkaBroker(app.state.broker):
        async with client(app, keys) as http:
            other_agency = await http.post("/fhir", content=json.dumps(bundle))
            not_json = await http.post("/fhir", content=b"{not json")
            bad_correlation = await http.post("/fhir", content=b"{}", headers={"X-Correlation-ID": "seven"})
        async with client(app, keys, agency=None) as anonymous:
            no_key = await anonymous.post("/fhir", content=json.dumps(bundle))
    for response, status in ((other_agency, 403), (not_json, 400), (bad_correlation, 400), (no_key, 401)):
        assert response.status_code == status and response.json()["resourceType"] == "OperationOutcome"
        assert response.headers["content-type"].startswith("application/fhir+json")
    [issue] = other_agency.json()["issue"]
    assert issue["code"] == "forbidden" and issue["expression"] == ["Bundle.entry[3].resource.organization.identifier"]
    assert "gp-north" in issue["details"]["text"] and no_key.headers["www-authenticate"] == "Bearer"
    assert published == []
