"""The HTTP face of the read rule (lifecycle/access.py): a referral the caller may not read is
answered exactly as an unknown id, so a guessed id tells nothing."""

from __future__ import annotations

from uuid import UUID

from fastapi import HTTPException, status

from service_kit.auth import Principal

from tracking.lifecycle.ports import Views
from tracking.lifecycle.access import may_read, not_known
from tracking.lifecycle.model import ReferralView


async def readable(views: Views, referral_id: UUID, caller: Principal) -> ReferralView:
    """The referral, if the caller may read it; otherwise 404, the same as for an unknown id."""
    view = await views.get(referral_id)
    if view is None or not may_read(view, caller):
        raise HTTPException(status.HTTP_404_NOT_FOUND, not_known(referral_id))
    return view
