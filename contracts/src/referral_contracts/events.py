"""The released events, version 1. Changing one incompatibly means a new schema_version.

`tests/unit/contracts/test_schema_snapshots.py` fails when a released schema drifts from its
snapshot in `contracts/schemas/`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from .envelope import Contract, Event
from .milestones import Milestone
from .referral import ReferralRequest


class AcuityTier(StrEnum):
    URGENT = "urgent"
    CRISIS_FOLLOW_UP = "crisis_follow_up"
    PRIORITY = "priority"
    ROUTINE = "routine"


class TriageOutcome(StrEnum):
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"  # no eligible agency with capacity: the triage desk stays accountable


class TriageDecision(Contract):
    outcome: TriageOutcome
    tier: AcuityTier
    lead_agency_id: str | None = None
    service_id: str | None = None
    clock_started_at: AwareDatetime
    contact_deadline: AwareDatetime
    warm_handoff: bool = Field(
        description="High risk: the sender stays accountable with the lead until first engagement."
    )
    interim_safety_actions: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="Why this tier and this agency.")


class ClosureOutcome(StrEnum):
    ENGAGED = "engaged"
    DECLINED = "declined"
    REDIRECTED = "redirected"
    ESCALATED = "escalated"
    WITHDRAWN = "withdrawn"


class Closure(Contract):
    """The closure message for the originating agency: no personal or clinical detail."""

    outcome: ClosureOutcome
    source_agency_id: str
    closing_agency_id: str
    closed_at: AwareDatetime
    client_reference: str = Field(
        min_length=1, max_length=100, description="The sender's own reference, so it can match its records."
    )


class ReferralSubmitted(Event):
    event_type: Literal["referral.submitted"] = "referral.submitted"
    schema_version: Literal[1] = 1
    data: ReferralRequest


class ReferralTriaged(Event):
    event_type: Literal["referral.triaged"] = "referral.triaged"
    schema_version: Literal[1] = 1
    data: TriageDecision


class MilestoneRecorded(Event):
    event_type: Literal["milestone.recorded"] = "milestone.recorded"
    schema_version: Literal[1] = 1
    data: Milestone


class ReferralClosed(Event):
    event_type: Literal["referral.closed"] = "referral.closed"
    schema_version: Literal[1] = 1
    data: Closure


RELEASED_EVENTS: tuple[type[Event], ...] = (
    ReferralSubmitted,
    ReferralTriaged,
    MilestoneRecorded,
    ReferralClosed,
)

_BY_TYPE_AND_VERSION: dict[tuple[str, int], type[Event]] = {
    (event.type_name(), event.version()): event for event in RELEASED_EVENTS
}


def event_model(event_type: str, schema_version: int) -> type[Event]:
    """The model of a released (type, version) pair; KeyError for one never released."""
    return _BY_TYPE_AND_VERSION[(event_type, schema_version)]
