"""Use case: accept a referral (or a revision of it), publish it, and give the sender its receipt
on its own outbound topic. Callers supply the clock."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from referral_contracts import ReferralRequest, ReferralSubmitted, topics
from referral_contracts.outbound import InboundPosition
from service_kit.messaging import EventPublisher

from ..domain.submissions import receipt, referral_submitted


async def submit_referral(
    request: ReferralRequest, *, bus: EventPublisher, correlation_id: UUID, now: datetime,
    inbound: InboundPosition | None = None,
) -> ReferralSubmitted:
    """`inbound`: where the record was read, when it came by topic (None: over HTTP)."""
    event = referral_submitted(request, correlation_id=correlation_id, received_at=now)
    await bus.publish(topics.REFERRAL_SUBMITTED, event)
    await bus.publish(topics.referrals_outbound(request.source_agency_id), receipt(event, inbound=inbound))
    return event
