"""Shared contracts of the closed-loop referral platform: event envelope, events, inbound
payloads, consent rules, directory file format and topic names. Imports no service."""

from .consent import DataCategory, may_share
from .envelope import Actor, DirectoryEvent, Event, EventBase, derived_id, utc_now
from .escalations import Delivery, DeliveryFailure, Escalation, EscalationStep, EscalationV2, FailedContactAction
from .events import (
    CapacityChange,
    CapacityChanged,
    Closure,
    ClosureMessage,
    ClosureOutcome,
    ClosureV2,
    CrisisRepeat,
    EscalationMessage,
    EscalationRaised,
    EscalationRaisedV2,
    Link,
    LinkRelation,
    MilestoneRecorded,
    NotificationFailed,
    NotificationOutcome,
    NotificationSent,
    OutcomeUnknown,
    ReferralClosed,
    ReferralClosedV2,
    ReferralFlag,
    ReferralLinked,
    ReferralSubmitted,
    ReferralTriaged,
    RepeatedCrisis,
    Reroute,
    RerouteRequested,
    TriageDecision,
    TriageOutcome,
    UnknownOutcome,
)
from .milestones import (
    CLOSING_KINDS,
    ContactOutcome,
    DeclineReason,
    EscalationPathway,
    Milestone,
    MilestoneKind,
    MilestoneReport,
    RedirectReason,
    WithdrawalReason,
)
from .referral import Consent, ConsentStatus, ReferralRequest, RiskFlag
from .tiers import TIER_PRECEDENCE, TIME_CRITICAL_TIERS, AcuityTier

__all__ = [
    "CLOSING_KINDS", "TIER_PRECEDENCE", "TIME_CRITICAL_TIERS", "AcuityTier", "Actor", "CapacityChange", "CapacityChanged", "Closure", "ClosureMessage", "ClosureOutcome", "ClosureV2", "CrisisRepeat",
    "Consent", "ConsentStatus", "ContactOutcome", "DataCategory", "DeclineReason", "Delivery", "DeliveryFailure", "DirectoryEvent",
    "Escalation", "EscalationMessage", "EscalationPathway", "EscalationRaised", "EscalationRaisedV2", "EscalationStep", "EscalationV2", "FailedContactAction", "Event", "EventBase", "Link", "LinkRelation", "Milestone", "MilestoneKind",
    "MilestoneRecorded", "MilestoneReport", "NotificationFailed", "NotificationOutcome", "NotificationSent", "OutcomeUnknown", "RedirectReason", "ReferralClosed", "ReferralClosedV2",
    "ReferralFlag", "ReferralLinked", "ReferralRequest", "ReferralSubmitted", "ReferralTriaged", "RepeatedCrisis", "Reroute", "RerouteRequested",
    "RiskFlag", "TriageDecision", "TriageOutcome", "UnknownOutcome", "WithdrawalReason", "derived_id",
    "may_share", "utc_now",
]
