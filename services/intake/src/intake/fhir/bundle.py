"""The shape of a FHIR referral: a transaction Bundle whose entries are one ServiceRequest (what is
asked), one Task (SDOHCC's referral Task: fulfil that ServiceRequest), the Patient both are for, the
referrer's PractitionerRole (who asks, at which agency) and at most one Consent. Each resource is
checked against FHIR R4 (fhir.resources, R4B models) and the references between them must resolve
within the Bundle. Pure: JSON in, the entries or every problem found out.

Why a transaction Bundle: SDOHCC's referral source posts a Task whose focus is a ServiceRequest
held on its own server, which the coordination platform then reads (and, acting as an
intermediary, copies: SDOHCC refer-1). This platform does not call back into an EHR, so the
ServiceRequest and what it references travel with the Task, created together as FHIR's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from pydantic import ValidationError

from intake.fhir.outcome import Problem, fhir_path

MODELS = {"ServiceRequest": ServiceRequest, "Task": Task, "Patient": Patient, "PractitionerRole": PractitionerRole,
          "Consent": Consent}
REQUIRED = ("ServiceRequest", "Task", "Patient", "PractitionerRole")  # one each; a Consent is optional
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"


@dataclass(frozen=True)
class Entry:
    index: int
    full_url: str | None
    resource: dict[str, Any]
    valid: bool = True  # FHIR R4 as fhir.resources reads it: only then are its elements' types known

    @property
    def at(self) -> str:
        return f"Bundle.entry[{self.index}].resource"

    def named_by(self, reference: Any) -> bool:
        """A reference within the Bundle: to this entry's fullUrl, or to Type/id."""
        target = reference.get("reference") if isinstance(reference, dict) else None
        own = f"{self.resource['resourceType']}/{self.resource['id']}" if self.resource.get("id") else None
        return target is not None and target in {self.full_url, own}


@dataclass(frozen=True)
class FhirReferral:
    request: Entry
    task: Entry
    patient: Entry
    referrer: Entry
    consent: Entry | None


def read_bundle(body: Any) -> tuple[FhirReferral | None, list[Problem]]:
    """The referral's entries, whenever each is there once and readable as FHIR R4 (so that its
    fields can be read too, and every problem named in one answer), and the problems found."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        return None, [Problem("Bundle", "a FHIR referral is a Bundle of type transaction", "structure")]
    problems = [] if body.get("type") == "transaction" else [Problem("Bundle.type", "must be transaction")]
    entries = body.get("entry")
    if not isinstance(entries, list) or not entries:
        return None, [*problems, Problem("Bundle.entry", "the referral's resources are missing", "required")]
    found: dict[str, list[Entry]] = {}
    for index, raw in enumerate(entries):
        entry, wrong = _entry(index, raw)
        problems += wrong
        if entry is not None:
            found.setdefault(entry.resource["resourceType"], []).append(entry)
    counted = _counted(found)
    if counted:
        return None, problems + counted
    referral = FhirReferral(*(found[kind][0] for kind in REQUIRED), consent=found.get("Consent", [None])[0])
    problems += _linked(referral) + _workflow(referral) + _consent_rule(referral.consent)
    readable = all(e.valid for e in (*(found[kind][0] for kind in REQUIRED), referral.consent) if e is not None)
    return (referral if readable else None), problems


def _entry(index: int, raw: Any) -> tuple[Entry | None, list[Problem]]:
    at = f"Bundle.entry[{index}]"
    resource = raw.get("resource") if isinstance(raw, dict) else None
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if kind not in MODELS:
        wanted = ", ".join(MODELS)
        return None, [Problem(f"{at}.resource", f"a FHIR referral has only {wanted} entries, not {kind or 'this'}",
                              "not-supported")]
    problems = []
    request = raw.get("request")
    if not isinstance(request, dict) or request.get("method") != "POST" or request.get("url") != kind:
        problems.append(Problem(f"{at}.request", f"each entry is created: method POST, url {kind}"))
    unread = _unread(f"{at}.resource", kind, resource)
    full_url = raw.get("fullUrl")
    entry = Entry(index, full_url if isinstance(full_url, str) else None, resource, valid=not unread)
    return entry, problems + unread


def _unread(at: str, kind: str, resource: dict[str, Any]) -> list[Problem]:
    """Where the resource is not FHIR R4 as fhir.resources reads it, element by element."""
    try:
        MODELS[kind].model_validate(resource)
    except ValidationError as invalid:
        return [Problem(fhir_path(at, e["loc"]), e["msg"]) for e in invalid.errors()]
    except Exception as broken:  # noqa: BLE001 - the models raise e.g. KeyError for an unknown contained type
        return [Problem(at, f"not readable as a FHIR R4 {kind} ({type(broken).__name__})", "structure")]
    return []


def _counted(found: dict[str, list[Entry]]) -> list[Problem]:
    problems = [Problem("Bundle.entry", f"a FHIR referral has one {kind}", "required")
                for kind in REQUIRED if kind not in found]
    for kind, entries in found.items():
        if len(entries) > 1:
            problems += [Problem(e.at, f"a FHIR referral has one {kind}, this is another") for e in entries[1:]]
    return problems


def _linked(referral: FhirReferral) -> list[Problem]:
    """The references that make the entries one referral, as SDOHCC's Task and ServiceRequest have them."""
    request, task, patient = referral.request, referral.task, referral.patient
    links = [(task, "focus", request), (task, "for", patient), (request, "subject", patient),
             (request, "requester", referral.referrer)]
    if referral.consent is not None:
        links.append((referral.consent, "patient", patient))
    return [Problem(f"{source.at}.{element}", f"must refer to the {target.resource['resourceType']} in this Bundle "
                                              f"(its fullUrl, or {target.resource['resourceType']}/id)")
            for source, element, target in links if source.valid and not target.named_by(source.resource.get(element))]


def _workflow(referral: FhirReferral) -> list[Problem]:
    """SDOHCC's referral source sets the Task to requested (refer-5), an order to fulfil (its
    Task profile fixes intent and code); the ServiceRequest is an active order."""
    task, request = referral.task.resource, referral.request.resource
    codes = {(c.get("system"), c.get("code")) for c in (task.get("code") or {}).get("coding") or []} \
        if referral.task.valid else set()
    checks = [(task.get("status") == "requested", referral.task, "status", "must be requested (a new referral)"),
              (task.get("intent") == "order", referral.task, "intent", "must be order"),
              ((TASK_CODE, "fulfill") in codes, referral.task, "code", f"must be {TASK_CODE}#fulfill"),
              (request.get("status") == "active", referral.request, "status", "must be active"),
              (request.get("intent") == "order", referral.request, "intent", "must be order")]
    return [Problem(f"{entry.at}.{element}", text, "value") for ok, entry, element, text in checks
            if entry.valid and not ok]


def _consent_rule(consent: Entry | None) -> list[Problem]:
    """FHIR R4's Consent invariant ppc-1, which fhir.resources does not check: a consent names the
    policy it was given under (policy or policyRule)."""
    if consent is None or not consent.valid or consent.resource.get("policy") or consent.resource.get("policyRule"):
        return []
    return [Problem(f"{consent.at}.policy", "ppc-1: a Consent has a policy or a policyRule", "invariant")]
