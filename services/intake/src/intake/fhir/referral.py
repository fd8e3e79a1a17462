"""A FHIR referral's resources as the handoff package (ReferralRequest), field by field, remembering
which FHIR element each field came from, so that every rule ReferralRequest checks (the same rules
as for an HTTP or topic submission) is refused naming the FHIR element. Pure.

Where each field comes from (README, "FHIR in"):
- ServiceRequest: the sender's reference (its identifier of type PLAC, or its only identifier), the
  service type (ServiceRequest.code: the partnership's code, or a SNOMED CT code the platform maps),
  the presenting needs (reasonCode, their text).
- Patient: identifier, name, birth date, language (communication), area (address district, else
  postal code), contact (the telecom ranked first, else a letter to the address).
- PractitionerRole: the referrer (practitioner's display name, role, phone) and the sending agency
  (organization identifier in the platform's agency system).
- Consent: granted, limited (to agencies as provision actors, to data categories as provision
  codes), refused, withdrawn; no Consent is consent unknown.
- Task.input, typed in HANDOFF_SYSTEM: outcome sought, funding route, risk flags, protective
  factors, recent incidents, current services, medications, immediate safety actions.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from referral_contracts import ReferralRequest
from referral_contracts.fhir import AGENCY_SYSTEM, service_type_of

from intake.fhir.bundle import Entry, FhirReferral
from intake.fhir.outcome import Problem

HANDOFF_SYSTEM = "urn:closed-loop-referrals:handoff"
DATA_CATEGORY_SYSTEM = "urn:closed-loop-referrals:data-category"
# Task.input type (in HANDOFF_SYSTEM) -> the handoff package's field; lists take every such input.
SINGLE_INPUTS = {"outcome_sought": "outcome_sought", "funding_route": "funding_route"}
LIST_INPUTS = {"risk_flag": "risk_flags", "protective_factor": "protective_factors",
               "recent_incident": "recent_incidents", "current_service": "current_services",
               "medication": "medications", "immediate_safety_action": "immediate_safety_actions"}
_TELECOM_METHOD = {"phone": "phone", "sms": "sms", "email": "email"}
_CONSENT_STATUS = {"rejected": "refused", "inactive": "withdrawn", "draft": "unknown", "proposed": "unknown"}

Where = dict[str, str]  # the handoff package's field (dotted) -> the FHIR element it came from


def referral_request(referral: FhirReferral) -> tuple[ReferralRequest | None, list[Problem]]:
    fields, where, problems = {}, {}, []
    for part_fields, part_where, part_problems in (
            _request(referral.request), _referrer(referral.referrer), _person(referral.patient),
            _consent(referral.consent), _inputs(referral.task)):
        fields, where, problems = fields | part_fields, where | part_where, problems + part_problems
    try:
        package = ReferralRequest.model_validate(fields)
    except ValidationError as invalid:
        named = {p.expression for p in problems}  # each place once: the first word on it is the clearer
        problems += [p for p in (_problem(e, where) for e in invalid.errors()) if p.expression not in named]
        return None, problems
    return (None, problems) if problems else (package, [])


def _problem(error: dict, where: Where) -> Problem:
    """A rule of the handoff package broken, named at the FHIR element the field came from."""
    field = ".".join(str(part) for part in error["loc"])
    known = [name for name in where if field == name or field.startswith(f"{name}.")]
    expression = where[max(known, key=len)] if known else "Bundle"
    if error["type"] == "missing" or error.get("input", "") is None:  # nothing found where it comes from
        return Problem(expression, f"{field}: required", "required")
    return Problem(expression, f"{field}: {error['msg']}" if field else error["msg"])


def _first(items: Any, test=lambda item: True) -> tuple[int, dict] | tuple[None, None]:
    for index, item in enumerate(items or []):
        if isinstance(item, dict) and test(item):
            return index, item
    return None, None


def _preferred(items: Any, test) -> tuple[int, dict] | tuple[None, None]:
    """The first item `test` picks out, else the first item."""
    found = _first(items, test)
    return found if found[1] is not None else _first(items)


def _request(entry: Entry) -> tuple[dict, Where, list[Problem]]:
    sr, at = entry.resource, entry.at
    index, identifier = _first(sr.get("identifier"), lambda i: _is_placer(i.get("type")))
    if identifier is None and len(sr.get("identifier") or []) == 1:
        index, identifier = 0, sr["identifier"][0]
    service = next((kind for c in (sr.get("code") or {}).get("coding") or []
                    if (kind := service_type_of(c.get("system"), c.get("code")))), None)
    needs = [rc.get("text") or _display(rc) for rc in sr.get("reasonCode") or []]
    fields = {"client_reference": (identifier or {}).get("value"), "service_type": service,
              "presenting_needs": [need for need in needs if need]}
    where = {"client_reference": f"{at}.identifier" + (f"[{index}].value" if identifier else ""),
             "service_type": f"{at}.code", "presenting_needs": f"{at}.reasonCode"}
    problems = []
    if identifier is None:
        problems.append(Problem(where["client_reference"], "the sender's own reference: an identifier of type "
                                                           "PLAC (placer), or the only identifier", "required"))
    if service is None:
        problems.append(Problem(where["service_type"], "no service type the platform knows: a coding in "
                                                       "urn:closed-loop-referrals:service-type, or a SNOMED CT "
                                                       "code the README lists", "code-invalid"))
    return fields, where, problems


def _is_placer(concept: Any) -> bool:
    return isinstance(concept, dict) and any(c.get("code") == "PLAC" for c in concept.get("coding") or [])


def _display(concept: dict) -> str | None:
    return next((c.get("display") for c in concept.get("coding") or [] if c.get("display")), None)


def _referrer(entry: Entry) -> tuple[dict, Where, list[Problem]]:
    role, at = entry.resource, entry.at
    agency = (role.get("organization") or {}).get("identifier") or {}
    phone_at, phone = _first(role.get("telecom"), lambda t: t.get("system") == "phone")
    fields = {"source_agency_id": agency.get("value") if agency.get("system") == AGENCY_SYSTEM else None,
              "referrer": {"name": (role.get("practitioner") or {}).get("display"),
                           "role": next((c.get("text") or _display(c) for c in role.get("code") or []), None),
                           **({"phone": phone.get("value")} if phone else {})}}
    where = {"source_agency_id": f"{at}.organization.identifier", "referrer": at,
             "referrer.name": f"{at}.practitioner.display", "referrer.role": f"{at}.code",
             "referrer.phone": f"{at}.telecom[{phone_at}].value"}
    problems = [] if fields["source_agency_id"] else [Problem(
        where["source_agency_id"], f"the sending agency: an identifier in {AGENCY_SYSTEM}", "required")]
    return fields, where, problems


def _person(entry: Entry) -> tuple[dict, Where, list[Problem]]:
    patient, at = entry.resource, entry.at
    id_at, identifier = _first(patient.get("identifier"), lambda i: bool(i.get("value")))
    name_at, name = _preferred(patient.get("name"), lambda n: n.get("use") == "official")
    lang_at, language = _preferred(patient.get("communication"), lambda c: c.get("preferred") is True)
    address = (patient.get("address") or [{}])[0]
    area_element = "district" if address.get("district") else "postalCode"
    contact, contact_where = _contact(patient, at)
    person = {"identifier": (identifier or {}).get("value"), "given_name": ((name or {}).get("given") or [None])[0],
              "family_name": (name or {}).get("family"), "date_of_birth": patient.get("birthDate"),
              "area": address.get(area_element), "contact": contact}
    if language is not None:
        person["language"] = _language(language.get("language") or {})
    named = f"{at}.name[{name_at or 0}]"
    where = {"person": at, "person.identifier": f"{at}.identifier" + (f"[{id_at}].value" if identifier else ""),
             "person.given_name": f"{named}.given", "person.family_name": f"{named}.family",
             "person.date_of_birth": f"{at}.birthDate", "person.language": f"{at}.communication[{lang_at}].language",
             "person.area": f"{at}.address[0].{area_element}", **contact_where}
    return {"person": person}, where, []


def _language(concept: dict) -> str | None:
    return next((c.get("code") for c in concept.get("coding") or [] if c.get("code")), None) or concept.get("text")


def _contact(patient: dict, at: str) -> tuple[dict, Where]:
    """How to reach the person: the telecom ranked 1 (FHIR's most preferred); with none ranked 1, a
    letter when there is an address, else the best ranked telecom. The details from every telecom."""
    telecom = [(i, t) for i, t in enumerate(patient.get("telecom") or [])
               if isinstance(t, dict) and t.get("system") in _TELECOM_METHOD and t.get("value")]
    ranked = sorted(telecom, key=lambda pair: (pair[1].get("rank", float("inf")), pair[0]))
    address = _address((patient.get("address") or [None])[0])
    first = ranked[0][1] if ranked else None
    if first is not None and (first.get("rank") == 1 or not address):
        method = _TELECOM_METHOD[first["system"]]
    else:
        method = "letter" if address else None
    phone_at, phone = next(((i, t) for i, t in telecom if t["system"] in ("phone", "sms")), (None, None))
    email_at, email = next(((i, t) for i, t in telecom if t["system"] == "email"), (None, None))
    contact = {"preferred_method": method, "phone": phone and phone["value"], "email": email and email["value"],
               "address": address}
    where = {"person.contact": f"{at}.telecom", "person.contact.phone": f"{at}.telecom[{phone_at}].value",
             "person.contact.email": f"{at}.telecom[{email_at}].value", "person.contact.address": f"{at}.address[0]"}
    return {k: v for k, v in contact.items() if v is not None}, where


def _address(address: Any) -> str | None:
    if not isinstance(address, dict):
        return None
    parts = [*(address.get("line") or []), address.get("city"), address.get("postalCode")]
    return address.get("text") or ", ".join(p for p in parts if p) or None


def _consent(entry: Entry | None) -> tuple[dict, Where, list[Problem]]:
    if entry is None:
        return {"consent": {"status": "unknown"}}, {"consent": "Bundle.entry"}, []
    consent, at = entry.resource, entry.at
    provision = consent.get("provision") or {}
    agencies = [(a.get("reference") or {}).get("identifier", {}).get("value") for a in provision.get("actor") or []
                if (a.get("reference") or {}).get("identifier", {}).get("system") == AGENCY_SYSTEM]
    categories = [c.get("code") for concept in provision.get("code") or [] for c in concept.get("coding") or []
                  if c.get("system") == DATA_CATEGORY_SYSTEM]
    status = _CONSENT_STATUS.get(consent.get("status"))
    if consent.get("status") == "active":
        status = "refused" if provision.get("type") == "deny" else "limited" if agencies or categories else "granted"
    where = {"consent": f"{at}.status", "consent.agencies": f"{at}.provision.actor",
             "consent.data_categories": f"{at}.provision.code"}
    problems = [] if status else [Problem(where["consent"], "entered-in-error: not a consent", "value")]
    shared = {"status": status, **({"agencies": agencies, "data_categories": categories} if status == "limited" else {})}
    return {"consent": shared}, where, problems


def _inputs(entry: Entry) -> tuple[dict, Where, list[Problem]]:
    fields: dict[str, Any] = {field: [] for field in LIST_INPUTS.values()}
    where: Where = {field: f"{entry.at}.input" for field in (*LIST_INPUTS.values(), *SINGLE_INPUTS.values())}
    problems = []
    for index, item in enumerate(entry.resource.get("input") or []):
        kind = next((c.get("code") for c in (item.get("type") or {}).get("coding") or []
                     if c.get("system") == HANDOFF_SYSTEM), None)
        if kind is None:
            continue  # another system's input (e.g. SDOHCC's additional content): not the handoff package's
        value, at = item.get("valueString", item.get("valueCode")), f"{entry.at}.input[{index}]"
        if kind in LIST_INPUTS:
            fields[LIST_INPUTS[kind]].append(value)
            where[f"{LIST_INPUTS[kind]}.{len(fields[LIST_INPUTS[kind]]) - 1}"] = f"{at}.value"
        elif kind in SINGLE_INPUTS and SINGLE_INPUTS[kind] not in fields:
            fields[SINGLE_INPUTS[kind]], where[SINGLE_INPUTS[kind]] = value, f"{at}.value"
        else:
            known = ", ".join([*SINGLE_INPUTS, *LIST_INPUTS])
            problems.append(Problem(f"{at}.type", f"{kind}: a second one, or not one of {known}", "value"))
    return fields, where, problems
