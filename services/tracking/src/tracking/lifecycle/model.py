"""What tracking knows about a referral: its state, who is accountable, and its timeline.

Holds no personal data: the handoff package stays in the event log, read only as consent allows;
this view is what staff, oversight and the closure message are built from.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from referral_contracts import (
    AcuityTier,
    Actor,
    ClosureOutcome,
    Consent,
    EscalationStep,
    FailedContactAction,
    RedirectReason,
)
from referral_contracts.changes import OPEN_STATES, HolderRole, LoopState
from referral_contracts.directory import LeadRole


# The loop's states and who may hold a referral are contracts: tracking publishes them in
# `referral.changed` (event-carried state), so they have one home there.
State = LoopState
Role = HolderRole
WITH_LEAD = frozenset({State.ASSIGNED, State.ACKNOWLEDGED, State.ACCEPTED, State.CONTACT_ATTEMPTED,
                       State.APPOINTMENT_SCHEDULED, State.REDIRECTING})
OWNED = frozenset({State.ACCEPTED, State.CONTACT_ATTEMPTED, State.APPOINTMENT_SCHEDULED})
TRACKING = Actor(agency_id="platform-tracking")  # who acted, on the events tracking raises itself


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
    milestone: str | None = None
    refused: str | None = Field(default=None, description="Why this event changed nothing, if it did not.")


class LoopClosure(ViewModel):
    outcome: ClosureOutcome
    closed_at: datetime
    closing_agency_id: str
    reason_code: str | None = None


class Notified(ViewModel):
    """A notification the mail system or SMS provider accepted."""

    channel: str
    recipient: str
    at: datetime


class BreachExplanation(ViewModel):
    """The accountable agency's reason for a missed deadline, given after the breach."""

    reason_text: str
    agency_id: str
    person: str | None
    at: datetime


class EscalationRecord(ViewModel):
    """A rung fired: when, to whom, by how much the deadline was missed, who was told, and why."""

    event_id: UUID
    step: EscalationStep
    at: datetime
    agency_id: str
    role: LeadRole
    deadline: datetime | None
    overdue_seconds: int
    failed_attempts: int | None = None
    action: FailedContactAction | None = None
    notified: list[Notified] = Field(default_factory=list)
    explanation: BreachExplanation | None = None


class FollowThrough(ViewModel):
    """After engagement: a consult's advice turned into a plan update, then briefed to staff."""

    consult_completed_at: datetime
    consult_by: str = Field(description="The agency that gave the advice.")
    plan_updated_at: datetime | None = None
    plan_today: str | None = None
    plan_two_weeks: str | None = None
    needs_partner_input: str | None = None
    staff_briefed_at: datetime | None = None

    @property
    def next_step(self) -> str | None:
        if self.plan_updated_at is None:
            return "plan_update"
        return "staff_briefing" if self.staff_briefed_at is None else None


class PendingReroute(ViewModel):
    """A redirect the lead asked for, waiting for triage's answer and the next agency's acceptance."""

    requested_by_event: UUID
    reroute_id: UUID = Field(description="Id of the RerouteRequested sent to triage; its answer names it.")
    requested_at: datetime
    reason: RedirectReason
    reason_text: str
    suggested_agency_id: str | None = None
    excluded_agencies: list[str]
    requested_by: Actor | None = Field(default=None, description="Who asked: the lead, or the triage desk "
                                                                 "(whose named agency triage assigns).")


class ReferralView(ViewModel):
    referral_id: UUID
    correlation_id: UUID
    state: State
    source_agency_id: str
    client_reference: str
    service_type: str
    submitted_at: datetime
    revision: int = 1
    latest_submission: UUID = Field(description="Event id of the latest revision of the handoff package.")
    consent: Consent
    tier: AcuityTier | None = None
    lead_agency_id: str | None = None
    owner: str | None = None
    pending_lead_agency_id: str | None = None
    previous_leads: list[str] = Field(default_factory=list)
    warm_handoff: bool = False
    risk_flagged: bool = Field(default=False, description="The package carries risk flags (which stay in it).")
    clock_started_at: datetime | None = None
    contact_deadline: datetime | None = None
    review_deadline: datetime | None = Field(default=None, description="Post-crisis review due by then.")
    interim_safety_actions: list[str] = Field(default_factory=list)
    missing_information: list[str] = Field(default_factory=list)
    clarification_due: datetime | None = None
    triaged_at: datetime | None = None
    acknowledged_at: datetime | None = Field(default=None, description="First proof of receipt by a lead.")
    accepted_at: datetime | None = None
    first_contact_at: datetime | None = Field(default=None, description="First contact attempt: stops the clock.")
    last_contact_attempt_at: datetime | None = None
    redirects: int = 0
    appointments_scheduled: int = 0
    follow_through: FollowThrough | None = None
    contact_attempts: int = 0
    failed_contact_attempts: int = Field(default=0, description="Failed attempts in a row by the current lead.")
    failed_contact_run: int = Field(default=0, description="Runs of failed attempts so far; reaching the person "
                                                           "ends one, and the next failure starts the next.")
    last_failed_contact_at: datetime | None = None
    appointments_missed: int = 0
    pending_reroute: PendingReroute | None = None
    accountable: list[Accountable]
    accountability: list[AccountabilityPeriod]
    timeline: list[TimelineEntry]
    closure: LoopClosure | None = None
    linked_to: UUID | None = None
    linked_referrals: list[UUID] = Field(default_factory=list)
    escalations: list[EscalationRecord] = Field(default_factory=list)
    outcome_unknown_since: datetime | None = None
    last_activity_at: datetime
    events_applied: int = Field(description="How many events this view folds; a newer view folds more.")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def involved_agencies(self) -> set[str]:
        """Agencies with a part in this referral: they may read it, as consent allows."""
        agencies = {self.source_agency_id, *self.previous_leads}
        agencies |= {a.agency_id for a in self.accountable}
        return agencies | {a for a in (self.lead_agency_id, self.pending_lead_agency_id) if a}
