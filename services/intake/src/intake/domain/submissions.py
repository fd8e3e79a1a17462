"""Turning what an agency sends into events. Pure: ids and times are derived or passed in."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from referral_contracts import Actor, Milestone, MilestoneRecorded, ReferralRequest, ReferralSubmitted
from referral_contracts.envelope import derived_id


def referral_id_for(request: ReferralRequest) -> UUID:
    """One agency's reference always names one referral, so a resubmission is not a second one."""
    return derived_id("referral", request.source_agency_id, request.client_reference)


def referral_submitted(
    request: ReferralRequest, *, correlation_id: UUID, received_at: datetime
) -> ReferralSubmitted:
    referral_id = referral_id_for(request)
    return ReferralSubmitted.create(
        event_id=derived_id(referral_id, "submitted"),
        referral_id=referral_id,
        correlation_id=correlation_id,
        actor=Actor(agency_id=request.source_agency_id, person=request.referrer.name),
        data=request,
        occurred_at=received_at,
    )


def milestone_recorded(
    referral_id: UUID, milestone: Milestone, *, correlation_id: UUID, received_at: datetime
) -> MilestoneRecorded:
    """The milestone id becomes the event id: sending the same milestone twice records it once."""
    milestone_id = milestone.milestone_id or uuid4()
    occurred_at = milestone.occurred_at or received_at
    data = milestone.model_copy(update={"milestone_id": milestone_id, "occurred_at": occurred_at})
    return MilestoneRecorded.create(
        event_id=milestone_id,
        referral_id=referral_id,
        correlation_id=correlation_id,
        actor=milestone.actor,
        data=data,
        occurred_at=received_at,
    )
