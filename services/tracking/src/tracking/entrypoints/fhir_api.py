"""Read-only FHIR R4 views of a referral (ServiceRequest and Task, domain/fhir.py), each checked
against the FHIR models (fhir.resources, R4B) before it leaves. Same access rules as the referral."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import JSONResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from service_kit.auth import KeyRegistry, Principal, Role, principal_from
from service_kit.problems import answers

from ..adapters.referral_store import ReferralStore
from ..domain import fhir
from ..domain.access import may_read
from ..domain.model import ReferralView

FHIR_JSON = "application/fhir+json"


def fhir_routes(store: ReferralStore, keys: KeyRegistry) -> APIRouter:
    router = APIRouter(prefix="/fhir", responses=answers({404: "no such referral, or none the caller may see"}))
    authenticated = principal_from(keys)

    async def visible(referral_id: UUID, caller: Principal) -> ReferralView:
        view = await store.view(referral_id)
        wide = caller.has(Role.OVERSIGHT) or caller.has(Role.TRIAGE_DESK)
        if view is None or not may_read(view, caller.agency_id, partnership_wide=wide):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"referral {referral_id} is not known to tracking")
        return view

    @router.get("/ServiceRequest/{referral_id}", responses={200: {"content": {FHIR_JSON: {}}}})
    async def get_service_request(referral_id: UUID, caller: Principal = Depends(authenticated)) -> JSONResponse:
        """The referral as a FHIR R4 ServiceRequest: what was asked, of whom, by whom."""
        return _fhir(ServiceRequest, fhir.service_request(await visible(referral_id, caller)))

    @router.get("/Task/{referral_id}", responses={200: {"content": {FHIR_JSON: {}}}})
    async def get_task(referral_id: UUID, caller: Principal = Depends(authenticated)) -> JSONResponse:
        """Where the referral stands as a FHIR R4 Task: status, BSeR business status, reason, owner."""
        return _fhir(Task, fhir.task(await visible(referral_id, caller)))

    return router


def _fhir(model: type, resource: dict[str, Any]) -> JSONResponse:
    validated = model.model_validate(resource)  # a mapping error is a 500 here, never an invalid resource out
    return JSONResponse(validated.model_dump(mode="json", exclude_none=True), media_type=FHIR_JSON)
