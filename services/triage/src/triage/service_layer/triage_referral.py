"""Triage a submitted referral, or route on one its lead cannot take, and publish the decision."""

from __future__ import annotations

from datetime import datetime

from referral_contracts import (
    Actor,
    Event,
    ReferralRequest,
    ReferralSubmitted,
    ReferralTriaged,
    RerouteRequested,
    TriageDecision,
    derived_id,
    topics,
)
from referral_contracts.directory import Directory
from referral_contracts.policy import Policy
from service_kit.messaging import EventPublisher

from ..domain import clock_start_for, reroute, triage


def decision_event(submitted: ReferralSubmitted, *, directory: Directory, policy: Policy, now: datetime) -> ReferralTriaged:
    """Each submission, revisions included (each has its own event id), gets its own decision;
    tracking decides which one applies."""
    decided_at = max(now, submitted.occurred_at)
    clock_start = clock_start_for(submitted.data, policy, submitted_at=submitted.occurred_at, triaged_at=decided_at)
    decision = triage(submitted.data, directory=directory, policy=policy, clock_start=clock_start)
    return _answer(submitted, decision, submitted.data, policy=policy, decided_at=decided_at)


def reroute_event(requested: RerouteRequested, *, directory: Directory, policy: Policy, now: datetime) -> ReferralTriaged:
    """The new lead's clock starts when the platform received the reroute request (tiers whose clock
    starts at submission) or at this decision (tiers whose clock starts at triage)."""
    decided_at = max(now, requested.occurred_at)
    request = requested.data.request
    clock_start = clock_start_for(request, policy, submitted_at=requested.occurred_at, triaged_at=decided_at)
    decision = reroute(requested.data, directory=directory, policy=policy, clock_start=clock_start,
                       requested_by=requested.actor)
    return _answer(requested, decision.model_copy(update={"reroute_of": requested.event_id}), request,
                   policy=policy, decided_at=decided_at)


def _answer(cause: Event, decision: TriageDecision, request: ReferralRequest, *, policy: Policy,
            decided_at: datetime) -> ReferralTriaged:
    """The decision as an event answering `cause`. Its id is derived from the cause, so a
    redelivered cause gives the same event and tracking drops the repeat. It names the sender and
    its reference: who must answer a clarification request."""
    return ReferralTriaged.create(
        event_id=derived_id(cause.event_id, "triaged"),
        referral_id=cause.referral_id,
        correlation_id=cause.correlation_id,
        causation_id=cause.event_id,
        actor=Actor(agency_id=policy.triage_desk_agency_id),
        data=decision.model_copy(update={"source_agency_id": request.source_agency_id,
                                         "client_reference": request.client_reference}),
        occurred_at=decided_at,
    )


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
