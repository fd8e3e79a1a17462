"""Tracking's HTTP API: read a referral, record what happened to it, ask who held it when, and
see its escalations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from pydantic import AwareDatetime, BaseModel, Field

from referral_contracts import EscalationStep, FailedContactAction, Milestone, ReferralRequest, utc_now
from referral_contracts.directory import LeadRole
from referral_contracts.referral import referral_id_for
from service_kit.access import refusal_to_act_as
from service_kit.auth import KeyRegistry, Principal, enforce, forbidden, principal_from
from service_kit.failures import RetryLater
from service_kit.problems import answers

from tracking.lifecycle.ports import Tracking
from tracking.lifecycle.access import NOT_KNOWN
from tracking.lifecycle.accountability import accountable_at
from tracking.deadlines.ladders import fires_at, ladder
from tracking.lifecycle.model import Accountable, EscalationRecord, ReferralView
from tracking.lifecycle.refusal import Refused
from tracking.lifecycle.record import MayNotAct, UnknownReferral, record_milestone
from tracking.lifecycle.reads import NotAllowed, handoff_package
from tracking.lifecycle.readable import readable

CorrelationHeader = Annotated[UUID | None, Header(alias="X-Correlation-ID")]


class AccountableAt(BaseModel):
    referral_id: UUID
    at: datetime
    accountable: list[Accountable]


class PendingRung(BaseModel):
    step: EscalationStep
    due_at: datetime = Field(description="When it fires; routine work is held for working hours.")
    agency_id: str
    role: LeadRole
    action: FailedContactAction | None = None


class Escalations(BaseModel):
    referral_id: UUID
    fired: list[EscalationRecord] = Field(description="When, to whom, how late, who was told, and why.")
    pending: list[PendingRung] = Field(description="The rungs still to come while their clocks run.")


def http_routes(tracking: Tracking, keys: KeyRegistry) -> APIRouter:
    router = APIRouter(prefix="/v1/referrals", responses=answers({404: NOT_KNOWN}))
    authenticated = principal_from(keys)  # a parameter default, so FastAPI sees it in this scope

    async def known(referral_id: UUID, caller: Principal) -> ReferralView:
        return await readable(tracking.stores.views, referral_id, caller)

    _milestone_route(router, tracking, authenticated)

    @router.get("", response_model=ReferralView)
    async def find_by_client_reference(
        client_reference: Annotated[str, Query(min_length=1, max_length=100, description="The sender's own reference.")],
        source_agency_id: Annotated[str | None, Query(max_length=64, description=(
            "The sending agency; default: the caller's own (oversight and the triage desk name it)."))] = None,
        caller: Principal = Depends(authenticated),
    ) -> ReferralView:
        """The referral a sender's own reference names, as `GET /v1/referrals/{id}` answers it: how
        a sender that published to its topic finds its referral without waiting for the receipt."""
        return await known(referral_id_for(source_agency_id or caller.agency_id, client_reference), caller)

    @router.get("/{referral_id}", response_model=ReferralView)
    async def get_referral(referral_id: UUID, caller: Principal = Depends(authenticated)) -> ReferralView:
        """State, who is accountable now and since when, deadline, closure and the timeline: for the
        agencies with a part in it, the triage desk and oversight."""
        return await known(referral_id, caller)

    @router.get("/{referral_id}/accountability", response_model=AccountableAt)
    async def who_was_accountable(referral_id: UUID, at: Annotated[AwareDatetime, Query()],
                                  caller: Principal = Depends(authenticated)) -> AccountableAt:
        """Who held responsibility at `at` (ISO 8601 with a time zone)."""
        view = await known(referral_id, caller)
        return AccountableAt(referral_id=referral_id, at=at, accountable=accountable_at(view, at))

    @router.get("/{referral_id}/escalations", response_model=Escalations)
    async def get_escalations(referral_id: UUID, caller: Principal = Depends(authenticated)) -> Escalations:
        """The escalation ladders: rungs fired (with deliveries and the owner's reason for a breach)
        and rungs still to come."""
        view, now = await known(referral_id, caller), utc_now()
        policy = tracking.policy
        pending = [PendingRung(step=r.step, due_at=fires_at(r, policy, now), agency_id=r.agency_id, role=r.role,
                               action=r.action) for r in ladder(view, policy)]
        return Escalations(referral_id=referral_id, fired=view.escalations, pending=pending)

    @router.get("/{referral_id}/handoff-package", response_model=ReferralRequest,
                responses=answers({403: "oversight (which never reads the person), the triage desk on a referral "
                                        "it has no part in, or consent does not allow it"}))
    async def get_handoff_package(referral_id: UUID, caller: Principal = Depends(authenticated)) -> ReferralRequest:
        """The person's details and needs, for agencies with a part in the referral, as consent
        allows (oversight and the triage desk read the referral, not the person's details)."""
        await known(referral_id, caller)
        try:
            return await handoff_package(referral_id, caller=caller, log=tracking.stores.log)
        except UnknownReferral as unknown:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(unknown)) from None
        except NotAllowed as refused:
            raise HTTPException(status.HTTP_403_FORBIDDEN, str(refused)) from None

    return router


def _milestone_route(router: APIRouter, tracking: Tracking, authenticated: Callable) -> None:
    """The one route that changes a referral: POST a milestone or a closure."""

    @router.post("/{referral_id}/milestones", response_model=ReferralView, status_code=status.HTTP_201_CREATED,
                 responses=answers({403: "actor.agency_id is not the key's agency, an oversight key (which acts "
                                         "on nothing), or the triage desk on a referral it has no part in",
                                    409: "not allowed in the referral's current state",
                                    503: "the referral is being changed by another request for too long; try again"},
                                   body=True))
    async def post_milestone(referral_id: UUID, milestone: Milestone, response: Response,
                             caller: Principal = Depends(authenticated),
                             correlation_id: CorrelationHeader = None) -> ReferralView:
        """Record a milestone or a closure, as the caller's agency, on a referral it has a part in.
        409 names the current state when it may not happen now."""
        enforce(refusal_to_act_as(caller, milestone.actor.agency_id))
        try:
            view, created = await record_milestone(referral_id, milestone, tracking, caller=caller,
                                                   correlation_id=correlation_id or uuid4(), now=utc_now())
        except UnknownReferral as unknown:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(unknown)) from None
        except MayNotAct as refusal:
            raise forbidden(str(refusal)) from None
        except Refused as refused:
            raise HTTPException(status.HTTP_409_CONFLICT, str(refused)) from None
        except RetryLater as busy:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"{busy}; try again",
                                headers={"Retry-After": "1"}) from None
        if not created:
            response.status_code = status.HTTP_200_OK
        return view
