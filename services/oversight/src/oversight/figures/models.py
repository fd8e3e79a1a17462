"""What oversight asks of the partnership's referrals, as answers: the shapes only. The figures
are named from the read models (figures/store.py): roll-up cells kept as referrals change, never
an aggregation over the history."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from referral_contracts import AcuityTier

BACKLOG_BUCKETS = ("0-2 days", "3-7 days", "over 7 days")  # open, no contact attempted yet
# One meaning wherever "overdue" is shown (summary, worklist, /metrics, the dashboard); computed by
# figures/rules.overdue.
OVERDUE = ("Open, no first contact attempted, and the contact deadline passed, whoever holds it "
           "(a lead, the triage desk while unassigned, a lead waiting for a redirect to be accepted).")


class Filters(BaseModel):
    """Referrals submitted in [since, until), from / to an agency, of a tier; `involving` limits an
    agency to its own figures (as sender or lead)."""

    since: datetime | None = None
    until: datetime | None = None
    source_agency_id: str | None = None
    receiving_agency_id: str | None = None
    tier: AcuityTier | None = None
    involving: str | None = None


PERCENTILES = ("Accurate to the bucket of the duration histogram it is read from: whole minutes below 32 "
               "minutes, then 16 buckets per doubling (each at most 6.25 % of its durations wide); the "
               "mean of the bucket holding the value of nearest rank, exact when the bucket holds one value.")


class Spread(BaseModel):
    count: int
    median_hours: float | None = Field(default=None, description=PERCENTILES)
    p90_hours: float | None = Field(default=None, description=PERCENTILES)


class TierTimeliness(Spread):
    due: int = Field(description="Contacted, or the deadline passed without contact while the referral was open "
                                 "(one closed before its deadline was never due).")
    within_standard: int = Field(description="First contact attempted by the deadline.")
    within_standard_pct: float | None = None


class Funnel(BaseModel):
    sent: int
    acknowledged: int
    first_contact: int
    engaged: int
    conversion_pct: float | None = Field(default=None, description="engaged / sent")


class Breach(BaseModel):
    referral_id: str
    agency_id: str
    tier: AcuityTier | None
    deadline: datetime | None
    fired_at: datetime
    overdue_hours: float
    reason: str | None = Field(default=None, description="The owner's reason, once given.")


class SourceFigures(BaseModel):
    """By referral source: how many reached a first appointment, and how many appointments were missed."""

    referrals: int
    with_appointment: int
    appointments: int
    no_shows: int
    no_show_rate_pct: float | None = Field(default=None, description="no-shows / appointments scheduled")
    first_appointment_pct: float | None = Field(default=None, description="referrals with an appointment / referrals")


class FollowThroughFigures(BaseModel):
    consults: int
    plans_updated: int
    staff_briefed: int
    plan_update_overdue: int = Field(description="Escalated and still without a plan update.")
    staff_briefing_overdue: int = Field(description="Plan updated, escalated and the staff still not briefed.")


class Summary(BaseModel):
    filters: Filters
    as_of: datetime
    volume: int = Field(description="Referrals submitted (duplicates linked to another are counted apart).")
    duplicates_linked: int
    by_state: dict[str, int]
    time_to_acknowledge: Spread
    time_to_first_contact: dict[str, TierTimeliness] = Field(description="By tier.")
    funnel: Funnel
    closures: dict[str, int] = Field(description="By outcome (duplicates linked are counted apart).")
    declines_by_reason: dict[str, int]
    redirects: int = Field(description="Redirects requested, in all.")
    redirected_referrals: int
    unknown_outcomes: int
    overdue: int = Field(description=OVERDUE)
    unassigned: int
    backlog_age: dict[str, int] = Field(description="Open referrals without a contact attempt, by age.")
    breaches: list[Breach]
    breaches_with_reason: int
    by_source: dict[str, SourceFigures]
    follow_through: FollowThroughFigures


# What the huddle does next about an open referral, by its state.
NEXT_ACTION = {
    "submitted": "triage to decide",
    "awaiting_clarification": "sender to supply the missing information",
    "unassigned": "triage desk to find an agency",
    "assigned": "lead to acknowledge and accept",
    "acknowledged": "lead to name an owner",
    "accepted": "owner to attempt first contact",
    "contact_attempted": "owner to reach the person or book an appointment",
    "appointment_scheduled": "owner to record the appointment's outcome",
    "redirecting": "next agency to accept the redirect",
}
FOLLOW_THROUGH_ACTION = {"plan_update": "sender to update the plan from the consult",
                         "staff_briefing": "sender to brief the staff on the updated plan"}


class WorklistRow(BaseModel):
    """One open referral as the weekly resolution huddle reviews it."""

    referral_id: str
    client_reference: str
    source_agency_id: str
    lead_agency_id: str | None
    owner: str | None
    tier: AcuityTier | None
    state: str
    submitted_at: datetime
    age_days: float
    last_attempt_at: datetime | None
    contact_attempts: int
    next_action: str
    deadline: datetime | None
    overdue: bool = Field(description=OVERDUE)
    follow_through: str | None = Field(default=None, description="After engagement: the step the sender owes.")
