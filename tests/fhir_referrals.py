"""A referral as an EHR would send it as FHIR (README, "FHIR in"): the transaction Bundle that carries
the same handoff package as a `POST /v1/referrals` body. For the FHIR-in tests and the demo file
deploy/demo/referral.fhir.json; written from the payload so both stay the same referral."""

from __future__ import annotations

from typing import Any

from referral_contracts.fhir import AGENCY_SYSTEM, PLACER_TYPE, REFERRAL_CATEGORY, client_reference_system, service_type_code

HANDOFF = "urn:closed-loop-referrals:handoff"
INPUTS = (("outcome_sought", "outcome_sought"), ("funding_route", "funding_route"), ("risk_flags", "risk_flag"),
          ("protective_factors", "protective_factor"), ("recent_incidents", "recent_incident"),
          ("current_services", "current_service"), ("medications", "medication"),
          ("immediate_safety_actions", "immediate_safety_action"))
RECIPIENT = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP",
                        "display": "information recipient"}]}
SHARING_AGREEMENT = "https://example.org/partnership/information-sharing-agreement"
URLS = {kind: f"urn:uuid:00000000-0000-4000-8000-00000000000{n}"
        for n, kind in enumerate(("ServiceRequest", "Task", "Patient", "PractitionerRole", "Consent"), start=1)}


def ref(kind: str) -> dict[str, str]:
    return {"reference": URLS[kind]}


def patient(person: dict[str, Any]) -> dict[str, Any]:
    """The preferred contact method is the telecom ranked 1; a letter is preferred by ranking none 1."""
    contact, method = person["contact"], person["contact"]["preferred_method"]
    telecom = [{"system": "sms" if method == "sms" else "phone", "value": contact["phone"]}] if contact.get("phone") else []
    telecom += [{"system": "email", "value": contact["email"]}] if contact.get("email") else []
    telecom = [point | {"rank": 1 if point["system"] == method else 2} for point in telecom]
    address = {"district": person["area"]} | ({"text": contact["address"]} if contact.get("address") else {})
    return {"resourceType": "Patient", "identifier": [{"system": "urn:example:person-id", "value": person["identifier"]}],
            "name": [{"use": "official", "family": person["family_name"], "given": [person["given_name"]]}],
            "birthDate": person["date_of_birth"], **({"telecom": telecom} if telecom else {}), "address": [address],
            "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": person.get("language", "en")}]},
                               "preferred": True}]}


def referrer(payload: dict[str, Any]) -> dict[str, Any]:
    who = payload["referrer"]
    role = {"resourceType": "PractitionerRole", "practitioner": {"display": who["name"]}, "code": [{"text": who["role"]}],
            "organization": {"identifier": {"system": AGENCY_SYSTEM, "value": payload["source_agency_id"]}}}
    return role | ({"telecom": [{"system": "phone", "value": who["phone"]}]} if who.get("phone") else {})


def consent(given: dict[str, Any]) -> dict[str, Any] | None:
    status = {"granted": "active", "limited": "active", "refused": "rejected", "withdrawn": "inactive"}.get(given["status"])
    if status is None:
        return None  # consent unknown: no Consent is sent
    provision: dict[str, Any] = {"type": "permit"}
    if given["status"] == "limited":
        provision["actor"] = [{"role": RECIPIENT, "reference": {"identifier": {"system": AGENCY_SYSTEM, "value": a}}}
                              for a in given.get("agencies", [])]
        provision["code"] = [{"coding": [{"system": "urn:closed-loop-referrals:data-category", "code": c}]}
                             for c in given.get("data_categories", [])]
    return {"resourceType": "Consent", "status": status,
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IDSCL"}]}],
            "patient": ref("Patient"), "policy": [{"uri": SHARING_AGREEMENT}], "provision": provision}


def task(payload: dict[str, Any]) -> dict[str, Any]:
    inputs = []
    for field, code in INPUTS:
        values = payload.get(field) or []
        for value in values if isinstance(values, list) else [values]:
            kind = "valueCode" if code == "risk_flag" else "valueString"
            inputs.append({"type": {"coding": [{"system": HANDOFF, "code": code}]}, kind: value})
    return {"resourceType": "Task", "status": "requested", "intent": "order", "priority": "routine",
            "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}]},
            "focus": ref("ServiceRequest"), "for": ref("Patient"), "authoredOn": "2026-03-02T09:00:00+00:00",
            "requester": ref("PractitionerRole"), "input": inputs}


def service_request(payload: dict[str, Any], with_consent: bool) -> dict[str, Any]:
    request = {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
               "identifier": [{"type": PLACER_TYPE, "system": client_reference_system(payload["source_agency_id"]),
                               "value": payload["client_reference"]}],
               "category": [REFERRAL_CATEGORY], "code": service_type_code(payload["service_type"]),
               "subject": ref("Patient"), "requester": ref("PractitionerRole"),
               "reasonCode": [{"text": need} for need in payload["presenting_needs"]]}
    return request | ({"supportingInfo": [ref("Consent")]} if with_consent else {})


def fhir_referral(payload: dict[str, Any]) -> dict[str, Any]:
    """The transaction Bundle an EHR sends for this `POST /v1/referrals` body."""
    shared = consent(payload["consent"])
    resources = [service_request(payload, shared is not None), task(payload), patient(payload["person"]),
                 referrer(payload), *([shared] if shared else [])]
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": URLS[r["resourceType"]], "resource": r,
         "request": {"method": "POST", "url": r["resourceType"]}} for r in resources]}


def entry(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    """The resource of that type in the Bundle, to change it in a test."""
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind)
