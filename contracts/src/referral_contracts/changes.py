"""`referral.changed` v1: a referral's state as tracking's fold decided it, published whenever it
changes (event-carried state), on `referral.changes.v1` keyed by referral id and compacted, so the
latest state of every referral stays on the topic for good.

The read side (the oversight service) keeps what it needs from it and never folds events itself;
it is rebuilt from this topic alone. `version` is the number of events the fold applied: a reader
keeps a referral's highest version and drops older or repeated ones. No personal data: references,
agencies, named staff, times and counts only.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from .directory import LeadRole
from .envelope import Contract, Event
from .escalations import EscalationStep, FailedContactAction
from .events import ClosureOutcome
from .holders import HolderRole
from .tiers import AcuityTier


class LoopState(StrEnum):
    """Where a referral is in its loop (DOMAIN.md, "Lifecycle")."""

    SUBMITTED = "submitted"  # received by the platform, awaiting triage
    AWAITING_CLARIFICATION = "awaiting_clarification"  # the sender was asked for missing information
    UNASSIGNED = "unassigned"  # triaged, no eligible agency: the triage desk holds it
    ASSIGNED = "assigned"  # lead agency assigned, not yet acknowledged
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"  # a named owner at the lead agency
    CONTACT_ATTEMPTED = "contact_attempted"
    APPOINTMENT_SCHEDULED = "appointment_scheduled"
    REDIRECTING = "redirecting"  # the lead asked to route it on; it stays accountable meanwhile
    LINKED = "linked"  # a duplicate of an open referral, closed and tracked there
    CLOSED = "closed"


OPEN_STATES = frozenset(LoopState) - {LoopState.LINKED, LoopState.CLOSED}


def awaiting_first_contact(state: str, first_contact_at: object | None) -> bool:
    """Open, and no first contact attempted yet, whoever holds it: the referrals whose contact
    deadline can pass. Tracking tells their holders as it nears and passes; oversight counts them
    in the backlog and, past it, as overdue. One rule, so the two never disagree."""
    return state in OPEN_STATES and first_contact_at is None


class Holder(Contract):
    agency_id: str
    role: HolderRole
    person: str | None = None


class ClosureFacts(Contract):
    outcome: ClosureOutcome
    closed_at: AwareDatetime
    closing_agency_id: str
    reason_code: str | None = None


class Rung(Contract):
    """An escalation rung fired: to whom, when, how late, and the owner's reason once given."""

    event_id: UUID
    step: EscalationStep
    at: AwareDatetime
    agency_id: str
    role: LeadRole
    deadline: AwareDatetime | None = None
    overdue_seconds: int = Field(ge=0)
    failed_attempts: int | None = None
    action: FailedContactAction | None = None
    reason_text: str | None = Field(default=None, max_length=2000, description="A breach's reason, once explained.")
    explained_at: AwareDatetime | None = None


class FollowThroughFacts(Contract):
    consult_completed_at: AwareDatetime
    consult_by: str
    plan_updated_at: AwareDatetime | None = None
    staff_briefed_at: AwareDatetime | None = None
    next_step: Literal["plan_update", "staff_briefing"] | None = Field(
        default=None, description="What the sender owes next; none once the staff were briefed.")


class ReferralState(Contract):
    version: int = Field(ge=1, description="Events folded into this state; a higher version is newer.")
    state: LoopState
    source_agency_id: str
    client_reference: str = Field(max_length=100)
    service_type: str
    tier: AcuityTier | None = None
    lead_agency_id: str | None = None
    pending_lead_agency_id: str | None = Field(default=None, description="Offered a redirect, not yet accepted.")
    owner: str | None = None
    accountable: list[Holder] = Field(description="Who is accountable now (none once closed).")
    warm_handoff: bool = False
    risk_flagged: bool = False
    submitted_at: AwareDatetime
    triaged_at: AwareDatetime | None = None
    acknowledged_at: AwareDatetime | None = None
    accepted_at: AwareDatetime | None = None
    clock_started_at: AwareDatetime | None = None
    contact_deadline: AwareDatetime | None = None
    review_deadline: AwareDatetime | None = None
    first_contact_at: AwareDatetime | None = None
    last_contact_attempt_at: AwareDatetime | None = None
    contact_attempts: int = 0
    appointments_scheduled: int = 0
    appointments_missed: int = 0
    redirects: int = 0
    missing_information: list[str] = Field(default_factory=list)
    closure: ClosureFacts | None = None
    linked_to: UUID | None = None
    outcome_unknown_since: AwareDatetime | None = None
    escalations: list[Rung] = Field(default_factory=list)
    follow_through: FollowThroughFacts | None = None
    last_activity_at: AwareDatetime

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ReferralChanged(Event):
    event_type: Literal["referral.changed"] = "referral.changed"
    schema_version: Literal[1] = 1
    data: ReferralState
