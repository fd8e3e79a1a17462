"""Use case: accept a referral (or a revision of it) and publish it. Callers supply the clock."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from referral_contracts import ReferralRequest, ReferralSubmitted, topics
from service_kit.messaging import EventPublisher

from ..domain.submissions import referral_submitted


async def submit_referral(
    request: ReferralRequest, *, bus: EventPublisher, correlation_id: UUID, now: datetime
) -> ReferralSubmitted:
    event = referral_submitted(request, correlation_id=correlation_id, received_at=now)
    await bus.publish(topics.REFERRAL_SUBMITTED, event)
    return event
