"""What tracking knows about a referral: its state, who is accountable, and its timeline.

Holds no personal data: the handoff package stays in the event log; this view is what staff,
oversight and the closure message are built from.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from referral_contracts import AcuityTier, ClosureOutcome


class State(StrEnum):
    SUBMITTED = "submitted"  # received by the platform, awaiting triage
    UNASSIGNED = "unassigned"  # triaged, no eligible agency: the triage desk holds it
    ASSIGNED = "assigned"  # lead agency assigned, not yet acknowledged
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"  # a named owner at the lead agency
    CONTACT_ATTEMPTED = "contact_attempted"
    APPOINTMENT_SCHEDULED = "appointment_scheduled"
    CLOSED = "closed"


class Role(StrEnum):
    SENDER = "sender"
    TRIAGE_DESK = "triage_desk"
    LEAD = "lead"


class ViewModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class Accountable(ViewModel):
    agency_id: str
    role: Role
    person: str | None = None


class AccountabilityPeriod(ViewModel):
    """Who held responsibility from `start` until `end` (None: still holds it)."""

    accountable: list[Accountable]
    start: datetime
    end: datetime | None = None


class TimelineEntry(ViewModel):
    at: datetime
    event_id: UUID
    event_type: str
    what: str
    agency_id: str
    person: str | None = None
    refused: str | None = Field(default=None, description="Why this event changed nothing, if it did not.")


class LoopClosure(ViewModel):
    outcome: ClosureOutcome
    closed_at: datetime
    closing_agency_id: str


class ReferralView(ViewModel):
    referral_id: UUID
    correlation_id: UUID
    state: State
    source_agency_id: str
    client_reference: str
    submitted_at: datetime
    tier: AcuityTier | None = None
    lead_agency_id: str | None = None
    owner: str | None = None
    warm_handoff: bool = False
    contact_deadline: datetime | None = None
    contact_attempts: int = 0
    accountable: list[Accountable]
    accountability: list[AccountabilityPeriod]
    timeline: list[TimelineEntry]
    closure: LoopClosure | None = None
    last_activity_at: datetime
    events_applied: int = Field(description="How many events this view folds; a newer view folds more.")
