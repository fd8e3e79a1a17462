"""Triage a submitted referral and publish the decision."""

from __future__ import annotations

from datetime import datetime

from referral_contracts import Actor, ReferralSubmitted, ReferralTriaged, derived_id, topics
from referral_contracts.directory import Directory
from service_kit.messaging import EventPublisher

from ..domain import Policy, triage


def decision_event(submitted: ReferralSubmitted, *, directory: Directory, policy: Policy, now: datetime) -> ReferralTriaged:
    """The clock starts when the platform received the referral, so a redelivered submission gets
    the same deadline, and the derived id lets tracking drop the repeat."""
    decision = triage(submitted.data, directory=directory, policy=policy, clock_start=submitted.occurred_at)
    return ReferralTriaged.create(
        event_id=derived_id(submitted.event_id, "triaged"),
        referral_id=submitted.referral_id,
        correlation_id=submitted.correlation_id,
        causation_id=submitted.event_id,
        actor=Actor(agency_id=policy.triage_desk_agency_id),
        data=decision,
        occurred_at=max(now, submitted.occurred_at),
    )


async def triage_submitted(
    submitted: ReferralSubmitted, *, directory: Directory, policy: Policy, bus: EventPublisher, now: datetime
) -> ReferralTriaged:
    event = decision_event(submitted, directory=directory, policy=policy, now=now)
    await bus.publish(topics.REFERRAL_TRIAGED, event)
    return event
