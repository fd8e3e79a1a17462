"""Reads that let data leave tracking: each one asks consent first."""

from __future__ import annotations

from uuid import UUID

from referral_contracts import ReferralRequest
from service_kit.auth import Principal

from tracking.lifecycle.ports import EventLog
from tracking.lifecycle.access import not_known, refusal_of_package
from tracking.lifecycle.fold import fold, latest_submission
from tracking.lifecycle.record import UnknownReferral


class NotAllowed(PermissionError):
    """The caller may not see this; the message names the rule, never the data."""


async def handoff_package(referral_id: UUID, *, caller: Principal, log: EventLog) -> ReferralRequest:
    """The latest handoff package, as the package rule allows (lifecycle/access.py): for an agency
    with a part in the referral; the sender always, anyone else while consent allows sharing."""
    events = (await log.of([referral_id]))[referral_id]
    view = fold(events)
    if view is None:
        raise UnknownReferral(not_known(referral_id))
    if refusal := refusal_of_package(view, caller):
        raise NotAllowed(refusal)
    latest = latest_submission(view, events)
    return latest.data
