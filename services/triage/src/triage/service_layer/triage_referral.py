"""Triage a submitted referral, or route on one its lead cannot take, and publish the decision."""

from __future__ import annotations

from datetime import datetime

from referral_contracts import (
    Actor,
    ReferralRequest,
    ReferralSubmitted,
    ReferralTriaged,
    RerouteRequested,
    derived_id,
    topics,
)
from referral_contracts.directory import Directory
from referral_contracts.policy import Policy
from service_kit.messaging import EventPublisher

from ..domain import clock_start_for, reroute, triage


def decision_event(submitted: ReferralSubmitted, *, directory: Directory, policy: Policy, now: datetime) -> ReferralTriaged:
    """Each submission, revisions included (each has its own event id), gets its own decision;
    tracking decides which one applies. The id derived from the submission lets tracking drop a
    redelivered one."""
    decided_at = max(now, submitted.occurred_at)
    clock_start = clock_start_for(submitted.data, policy, submitted_at=submitted.occurred_at, triaged_at=decided_at)
    decision = triage(submitted.data, directory=directory, policy=policy, clock_start=clock_start)
    return ReferralTriaged.create(
        event_id=derived_id(submitted.event_id, "triaged"),
        referral_id=submitted.referral_id,
        correlation_id=submitted.correlation_id,
        causation_id=submitted.event_id,
        actor=Actor(agency_id=policy.triage_desk_agency_id),
        data=decision.model_copy(update=_sender(submitted.data)),
        occurred_at=decided_at,
    )


def reroute_event(requested: RerouteRequested, *, directory: Directory, policy: Policy, now: datetime) -> ReferralTriaged:
    """The new lead's clock starts when the platform received the reroute request (tiers whose clock
    starts at submission) or at this decision (tiers whose clock starts at triage)."""
    decided_at = max(now, requested.occurred_at)
    clock_start = clock_start_for(
        requested.data.request, policy, submitted_at=requested.occurred_at, triaged_at=decided_at
    )
    decision = reroute(requested.data, directory=directory, policy=policy, clock_start=clock_start)
    return ReferralTriaged.create(
        event_id=derived_id(requested.event_id, "triaged"),
        referral_id=requested.referral_id,
        correlation_id=requested.correlation_id,
        causation_id=requested.event_id,
        actor=Actor(agency_id=policy.triage_desk_agency_id),
        data=decision.model_copy(update={"reroute_of": requested.event_id, **_sender(requested.data.request)}),
        occurred_at=decided_at,
    )


def _sender(request: ReferralRequest) -> dict[str, str]:
    """Who must answer a clarification request, and the reference they know the referral by."""
    return {"source_agency_id": request.source_agency_id, "client_reference": request.client_reference}


async def triage_submitted(
    submitted: ReferralSubmitted, *, directory: Directory, policy: Policy, bus: EventPublisher, now: datetime
) -> ReferralTriaged:
    event = decision_event(submitted, directory=directory, policy=policy, now=now)
    await bus.publish(topics.REFERRAL_TRIAGED, event)
    return event


async def triage_reroute(
    requested: RerouteRequested, *, directory: Directory, policy: Policy, bus: EventPublisher, now: datetime
) -> ReferralTriaged:
    event = reroute_event(requested, directory=directory, policy=policy, now=now)
    await bus.publish(topics.REFERRAL_TRIAGED, event)
    return event
