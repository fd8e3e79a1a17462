"""Use cases: accept a referral or a milestone and publish it. Callers supply the clock."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from referral_contracts import Milestone, MilestoneRecorded, ReferralRequest, ReferralSubmitted, topics
from service_kit.messaging import EventPublisher

from ..domain.submissions import milestone_recorded, referral_submitted


async def submit_referral(
    request: ReferralRequest, *, bus: EventPublisher, correlation_id: UUID, now: datetime
) -> ReferralSubmitted:
    event = referral_submitted(request, correlation_id=correlation_id, received_at=now)
    await bus.publish(topics.REFERRAL_SUBMITTED, event)
    return event


async def record_milestone(
    referral_id: UUID, milestone: Milestone, *, bus: EventPublisher, correlation_id: UUID, now: datetime
) -> MilestoneRecorded:
    event = milestone_recorded(referral_id, milestone, correlation_id=correlation_id, received_at=now)
    await bus.publish(topics.REFERRAL_MILESTONES, event)
    return event
