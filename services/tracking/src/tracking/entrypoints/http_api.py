from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, HTTPException

from ..adapters.referral_store import ReferralStore
from ..domain.model import ReferralView


def http_routes(store: ReferralStore) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/referrals/{referral_id}", response_model=ReferralView)
    async def get_referral(referral_id: UUID) -> ReferralView:
        """State, who is accountable now and since when, deadline, closure and the timeline."""
        view = await store.view(referral_id)
        if view is None:
            raise HTTPException(status_code=404, detail=f"referral {referral_id} is not known to tracking")
        return view

    return router
