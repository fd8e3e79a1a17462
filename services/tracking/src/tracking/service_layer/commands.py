"""Milestones agencies record: checked against the referral's state before anything changes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from referral_contracts import Milestone, topics
from service_kit.messaging import EventPublisher

from ..adapters.referral_store import ReferralStore
from ..domain.commands import milestone_recorded
from ..domain.lifecycle import check, fold
from ..domain.model import ReferralView
from .tracking import apply_event


class UnknownReferral(LookupError):
    pass


async def record_milestone(
    referral_id: UUID, milestone: Milestone, *, store: ReferralStore, bus: EventPublisher,
    correlation_id: UUID, now: datetime,
) -> tuple[ReferralView, bool]:
    """The referral after the milestone, and whether it was new (False: a repeat of a recorded id).

    Raises UnknownReferral, or Refused naming the current state; either way nothing changed.
    The event is published before it is applied here: if applying fails, tracking's own
    subscription applies it from the topic, so an accepted milestone is never lost.
    """
    event = milestone_recorded(referral_id, milestone, correlation_id=correlation_id, received_at=now)
    events = await store.events_for(referral_id)
    view = fold(events)
    if view is None:
        raise UnknownReferral(f"referral {referral_id} is not known to tracking")
    if any(e.event_id == event.event_id for e in events):
        return view, False
    check(view, event)
    await bus.publish(topics.REFERRAL_MILESTONES, event)
    return await apply_event(event, store=store, bus=bus) or view, True
