"""Read-only FHIR R4 views of a referral (ServiceRequest and Task: resources.py, workflow.py), each
checked against the FHIR models (fhir.resources, R4B) before it leaves. Read as the referral is (the
read rule of lifecycle/access.py). The Task's id is the referral id, which intake answers a FHIR
referral with, so the sender reads its Task here as it changes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from service_kit.auth import KeyRegistry, Principal, principal_from
from service_kit.problems import answers

from tracking.lifecycle.ports import Views
from tracking.fhir import resources as fhir
from tracking.lifecycle.access import NOT_KNOWN
from tracking.lifecycle.readable import readable

FHIR_JSON = "application/fhir+json"


def fhir_routes(views: Views, keys: KeyRegistry) -> APIRouter:
    router = APIRouter(prefix="/fhir", responses=answers({404: NOT_KNOWN}))
    authenticated = principal_from(keys)

    @router.get("/ServiceRequest/{referral_id}", responses={200: {"content": {FHIR_JSON: {}}}})
    async def get_service_request(referral_id: UUID, caller: Principal = Depends(authenticated)) -> JSONResponse:
        """The referral as a FHIR R4 ServiceRequest: what was asked, of whom, by whom."""
        return _fhir(ServiceRequest, fhir.service_request(await readable(views, referral_id, caller)))

    @router.get("/Task/{referral_id}", responses={200: {"content": {FHIR_JSON: {}}}})
    async def get_task(referral_id: UUID, caller: Principal = Depends(authenticated)) -> JSONResponse:
        """Where the referral stands as a FHIR R4 Task: status, BSeR business status, reason, owner."""
        return _fhir(Task, fhir.task(await readable(views, referral_id, caller)))

    return router


def _fhir(model: type, resource: dict[str, Any]) -> JSONResponse:
    validated = model.model_validate(resource)  # a mapping error is a 500 here, never an invalid resource out
    return JSONResponse(validated.model_dump(mode="json", exclude_none=True), media_type=FHIR_JSON)
