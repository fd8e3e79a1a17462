"""Reads that let data leave tracking: each one asks consent first."""

from __future__ import annotations

from uuid import UUID

from referral_contracts import DataCategory, ReferralRequest, ReferralSubmitted, may_share

from ..adapters.referral_store import ReferralStore
from ..domain.lifecycle import fold
from .commands import UnknownReferral


class NotAllowed(PermissionError):
    """The caller may not see this; the message names the rule, never the data."""


async def handoff_package(referral_id: UUID, *, agency_id: str, store: ReferralStore) -> ReferralRequest:
    """The latest handoff package, for an agency with a part in the referral, as consent allows.
    The sender always sees what it sent; anyone else only while consent allows sharing."""
    events = await store.events_for(referral_id)
    view = fold(events)
    if view is None:
        raise UnknownReferral(f"referral {referral_id} is not known to tracking")
    if agency_id not in view.involved_agencies():
        raise NotAllowed(f"agency {agency_id} has no part in this referral")
    if agency_id != view.source_agency_id and not may_share(view.consent, DataCategory.HANDOFF_PACKAGE, agency_id):
        raise NotAllowed(f"consent ({view.consent.status.value}) does not allow sharing the package with {agency_id}")
    latest = next(e for e in events if isinstance(e, ReferralSubmitted) and e.event_id == view.latest_submission)
    return latest.data
