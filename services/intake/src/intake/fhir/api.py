"""FHIR in over HTTP: `POST /fhir` with a transaction Bundle (bundle.py) is a referral, submitted by
the same use case as `POST /v1/referrals` (validation, consent, idempotency: the referral id derives
from the sending agency and its own reference). Every refusal is an OperationOutcome naming each
problem, authentication's too, so a FHIR client reads every answer as FHIR. Wiring only."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from referral_contracts import utc_now
from service_kit.access import refusal_to_send_as
from service_kit.auth import KeyRegistry, Principal, Unauthenticated
from service_kit.messaging import EventPublisher

from intake.fhir.bundle import FhirReferral, read_bundle
from intake.fhir.outcome import Problem, operation_outcome
from intake.fhir.referral import referral_request
from intake.service_layer.intake import submit_referral

FHIR_JSON = "application/fhir+json"
_OBJECT = {"type": "object", "required": ["resourceType"], "properties": {"resourceType": {"type": "string"}}}
_OUTCOME = {"content": {FHIR_JSON: {"schema": {**_OBJECT, "properties": {"resourceType": {"const": "OperationOutcome"},
                                                                         "issue": {"type": "array"}}}}}}
_DOCUMENTED = {
    200: {"description": "the referral is on its way to triage: a transaction-response Bundle; the Task and "
                         "ServiceRequest are read from tracking at /fhir/Task/{id} and /fhir/ServiceRequest/{id}, "
                         "{id} being the referral id", "content": {FHIR_JSON: {"schema": _OBJECT}}},
    400: {"description": "the body is not JSON, or X-Correlation-ID is not a UUID", **_OUTCOME},
    401: {"description": "no valid API key: missing, unknown, forged or expired", **_OUTCOME},
    403: {"description": "the referrer's agency is not the key's, or an oversight key (which sends nothing)",
          **_OUTCOME},
    422: {"description": "not a FHIR referral the platform takes: one issue per problem, each naming where",
          **_OUTCOME},
}
_BODY = {"required": True, "content": {media: {"schema": _OBJECT} for media in (FHIR_JSON, "application/json")}}


def fhir_routes(bus: EventPublisher, keys: KeyRegistry) -> APIRouter:
    router = APIRouter(prefix="/fhir")

    @router.post("", responses=_DOCUMENTED, response_class=JSONResponse,
                 openapi_extra={"requestBody": _BODY, "security": [{"HTTPBearer": []}]})
    async def post_transaction(request: Request) -> JSONResponse:
        """Submit a referral as FHIR R4: a transaction Bundle of a ServiceRequest, the SDOHCC referral
        Task for it (status requested), the Patient, the referrer's PractitionerRole and, optionally,
        a Consent (README, "FHIR in"). Sending it again names the same referral; changed content
        revises it, as over `POST /v1/referrals`."""
        caller = await _caller(keys, request.headers.get("authorization"))
        if isinstance(caller, JSONResponse):
            return caller
        correlation_id, body = _correlation_id(request.headers.get("x-correlation-id")), await _json(request)
        if correlation_id is None or body is None:
            what = "X-Correlation-ID: not a UUID" if correlation_id is None else "the body is not JSON"
            return _refused(400, [Problem(None, what, "structure")])
        referral, problems = read_bundle(body)
        package, more = referral_request(referral) if referral else (None, [])
        if package is None or problems:
            return _refused(422, problems + more)
        refusal = refusal_to_send_as(caller, package.source_agency_id)
        if refusal is not None:
            return _refused(403, [Problem(f"{referral.referrer.at}.organization.identifier", refusal, "forbidden")])
        event = await submit_referral(package, bus=bus, correlation_id=correlation_id, now=utc_now())
        return JSONResponse(transaction_response(referral, event.referral_id), media_type=FHIR_JSON,
                            headers={"X-Correlation-ID": str(correlation_id)})

    return router


def transaction_response(referral: FhirReferral, referral_id: UUID) -> dict[str, Any]:
    """FHIR's answer to a transaction, entry for entry. The ServiceRequest and the Task become the
    referral's (their id is the referral id, read on tracking); the Patient, PractitionerRole and
    Consent are taken into the handoff package, not kept as resources anyone can read (202)."""
    made = {referral.request.index: "ServiceRequest", referral.task.index: "Task"}
    kept = [e.index for e in (referral.patient, referral.referrer, referral.consent) if e is not None]
    answers = {**{i: {"status": "201 Created", "location": f"{kind}/{referral_id}"} for i, kind in made.items()},
               **{i: {"status": "202 Accepted"} for i in kept}}
    return {"resourceType": "Bundle", "type": "transaction-response",
            "entry": [{"response": answers[index]} for index in sorted(answers)]}


async def _caller(keys: KeyRegistry, authorization: str | None) -> Principal | JSONResponse:
    scheme, _, key = (authorization or "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not key:
            raise Unauthenticated("missing credential: send Authorization: Bearer <API key>")
        return await keys.verified(key.strip())
    except Unauthenticated as refused:
        return _refused(401, [Problem(None, str(refused), "login")], headers={"WWW-Authenticate": "Bearer"})


def _correlation_id(header: str | None) -> UUID | None:
    try:
        return UUID(header) if header else uuid4()
    except ValueError:
        return None


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None


def _refused(status: int, problems: list[Problem], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(operation_outcome(problems), status_code=status, media_type=FHIR_JSON, headers=headers)
