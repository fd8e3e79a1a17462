"""One referral as oversight holds it (the dashboard's detail): its state, who is accountable now,
its deadlines, step times and escalation rungs. Within the caller's figures (figures/rules.py): the
partnership for oversight and the triage desk, the referrals it sent or leads for an agency; any
other id answers 404, exactly as an unknown one. The timeline stays in tracking
(`GET /v1/referrals/{id}` there)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status

from service_kit.auth import KeyRegistry, Principal, principal_from
from service_kit.problems import answers

from ..figures.models import Filters
from ..figures.rules import figures_scope, matching
from .models import Referral
from .store import ReferralProjection


def not_known(referral_id: UUID) -> str:
    """The one answer for an unknown referral and for one outside the caller's figures."""
    return f"referral {referral_id} is not known to oversight"


def referral_routes(projection: ReferralProjection, keys: KeyRegistry) -> APIRouter:
    router = APIRouter(prefix="/v1/oversight")
    authenticated = principal_from(keys)

    @router.get("/referrals/{referral_id}", response_model=Referral, responses=answers({
        404: "no such referral, or one outside the caller's figures (the same answer); or not projected yet"}))
    async def get_referral(referral_id: UUID, caller: Principal = Depends(authenticated)) -> Referral:
        """The referral's latest state as tracking published it (its `version` says how many events
        it folds): it trails tracking by the time the projection takes to hear of a change."""
        found = await projection.referral(referral_id, matching(Filters(involving=figures_scope(caller))))
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, not_known(referral_id))
        return found

    return router
