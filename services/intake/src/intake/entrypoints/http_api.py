"""HTTP API for agencies: translate requests to use cases, nothing more."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Header, Response, status
from pydantic import BaseModel

from referral_contracts import ReferralRequest, utc_now
from service_kit.access import refusal_to_send_as
from service_kit.auth import KeyRegistry, Principal, enforce, principal_from
from service_kit.messaging import EventPublisher
from service_kit.problems import answers

from ..service_layer.intake import submit_referral


class Accepted(BaseModel):
    referral_id: UUID
    event_id: UUID
    correlation_id: UUID


CorrelationHeader = Annotated[UUID | None, Header(alias="X-Correlation-ID")]


def http_routes(bus: EventPublisher, keys: KeyRegistry) -> APIRouter:
    router = APIRouter(prefix="/v1")
    authenticated = principal_from(keys)  # a parameter default, so FastAPI sees it in this scope

    @router.post("/referrals", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted,
                 responses=answers({403: "source_agency_id is not the key's agency, or an oversight key (which "
                                         "sends nothing)"}, body=True))
    async def post_referral(
        request: ReferralRequest, response: Response, caller: Principal = Depends(authenticated),
        correlation_id: CorrelationHeader = None,
    ) -> Accepted:
        """Accept a referral from the caller's own agency. 202: it is on its way to triage; read its
        state from tracking. Sending the same client_reference again with changed content revises
        the referral (this is how a sender answers a clarification request)."""
        enforce(refusal_to_send_as(caller, request.source_agency_id))
        correlation_id = correlation_id or uuid4()
        event = await submit_referral(request, bus=bus, correlation_id=correlation_id, now=utc_now())
        response.headers["X-Correlation-ID"] = str(correlation_id)
        return Accepted(referral_id=event.referral_id, event_id=event.event_id, correlation_id=correlation_id)

    return router
