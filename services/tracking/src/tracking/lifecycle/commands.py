"""Turning an agency's milestone into an event. Pure: ids and times are derived or passed in."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from referral_contracts import Milestone, MilestoneRecorded


def milestone_recorded(
    referral_id: UUID, milestone: Milestone, *, correlation_id: UUID, received_at: datetime
) -> MilestoneRecorded:
    """The milestone id becomes the event id: sending the same milestone twice records it once.
    The event happens when it is received; when the agency says it happened is kept in the data."""
    milestone_id = milestone.milestone_id or uuid4()
    data = milestone.model_copy(update={"milestone_id": milestone_id,
                                        "occurred_at": milestone.occurred_at or received_at})
    return MilestoneRecorded.create(
        event_id=milestone_id, referral_id=referral_id, correlation_id=correlation_id,
        actor=milestone.actor, data=data, occurred_at=received_at,
    )
