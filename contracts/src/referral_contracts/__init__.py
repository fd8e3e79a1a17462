"""Shared contracts of the closed-loop referral platform: event envelope, events, inbound
payloads, directory file format and topic names. Imports no service."""

from .envelope import Actor, Event, derived_id, utc_now
from .events import (
    AcuityTier,
    Closure,
    ClosureOutcome,
    MilestoneRecorded,
    ReferralClosed,
    ReferralSubmitted,
    ReferralTriaged,
    TriageDecision,
    TriageOutcome,
)
from .milestones import ContactOutcome, Milestone, MilestoneKind, MilestoneReport
from .referral import ConsentStatus, ReferralRequest, RiskFlag

__all__ = [
    "AcuityTier", "Actor", "Closure", "ClosureOutcome", "ConsentStatus", "ContactOutcome", "Event",
    "Milestone", "MilestoneKind", "MilestoneRecorded", "MilestoneReport", "ReferralClosed",
    "ReferralRequest", "ReferralSubmitted", "ReferralTriaged", "RiskFlag", "TriageDecision",
    "TriageOutcome", "derived_id", "utc_now",
]
