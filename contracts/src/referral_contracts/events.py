"""The released events, version 1. Changing one incompatibly means a new schema_version.

`tests/unit/contracts/test_schema_snapshots.py` fails when a released schema drifts from its
snapshot in `contracts/schemas/`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, RootModel

from .directory import Capacity
from .envelope import Contract, DirectoryEvent, Event, EventBase
from .escalations import Delivery, DeliveryFailure, Escalation, EscalationV2
from .milestones import Milestone, RedirectReason
from .referral import Consent, ReferralRequest
from .tiers import AcuityTier


class TriageOutcome(StrEnum):
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"  # no eligible agency with capacity: the triage desk stays accountable
    CLARIFICATION_NEEDED = "clarification_needed"  # required information missing: asked of the sender


class TriageDecision(Contract):
    outcome: TriageOutcome
    tier: AcuityTier
    lead_agency_id: str | None = None
    service_id: str | None = None
    clock_started_at: AwareDatetime
    contact_deadline: AwareDatetime
    review_deadline: AwareDatetime | None = Field(
        default=None, description="Post-crisis review due by then (tiers whose policy sets review_within).")
    warm_handoff: bool = Field(
        description="High risk: the sender stays accountable with the lead until first engagement."
    )
    interim_safety_actions: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="Why this tier and this agency.")
    missing_information: list[str] = Field(
        default_factory=list, description="Required fields the sender must still provide."
    )
    clarification_due: AwareDatetime | None = Field(
        default=None, description="When the clarification request falls due (the same working day)."
    )
    excluded_agencies: list[str] = Field(
        default_factory=list, description="Agencies not considered: the sender and earlier leads."
    )
    reroute_of: UUID | None = Field(default=None, description="The RerouteRequested this decision answers.")
    source_agency_id: str | None = Field(default=None, description="The sender: who is asked for clarification.")
    client_reference: str | None = Field(default=None, max_length=100, description="The sender's own reference.")


class ClosureOutcome(StrEnum):
    ENGAGED = "engaged"
    DECLINED = "declined"
    REDIRECTED = "redirected"
    ESCALATED = "escalated"
    WITHDRAWN = "withdrawn"
    LINKED = "linked"  # closed by the platform: it repeats an open referral, which carries the person


# The outcomes `referral.closed` v1 was released with: its schema stays as released (named as it
# was), and a closure that is none of these (linked) is carried by v2.
ClosureOutcomeV1 = StrEnum("ClosureOutcome", {o.name: o.value for o in ClosureOutcome if o is not ClosureOutcome.LINKED})


class Closure(Contract):
    """The closure message for the originating agency. No personal or clinical detail; the
    outcome itself is shared only as `consent` allows (see consent.may_share)."""

    outcome: ClosureOutcomeV1  # type: ignore[valid-type]
    source_agency_id: str
    closing_agency_id: str
    closed_at: AwareDatetime
    client_reference: str = Field(
        min_length=1, max_length=100, description="The sender's own reference, so it can match its records."
    )
    consent: Consent
    reason_code: str | None = Field(default=None, description="The decline / withdrawal reason or pathway.")


class ClosureV2(Contract):
    """`Closure` with every way a loop closes: also `linked`, a referral that repeats one already
    open for the same person and service, closed by the platform and tracked on that one."""

    outcome: ClosureOutcome
    source_agency_id: str
    closing_agency_id: str
    closed_at: AwareDatetime
    client_reference: str = Field(
        min_length=1, max_length=100, description="The sender's own reference, so it can match its records.")
    consent: Consent
    reason_code: str | None = Field(default=None, description="The decline / withdrawal reason or pathway.")
    linked_to: UUID | None = Field(default=None, description="linked: the open referral that carries the person.")


class Reroute(Contract):
    """No wrong door: the lead cannot take the referral, so triage routes it on. The current lead
    stays accountable until the next agency accepts."""

    request: ReferralRequest = Field(description="The latest handoff package.")
    current_lead_agency_id: str
    excluded_agencies: list[str]
    reason: RedirectReason
    reason_text: str
    suggested_agency_id: str | None = None


class LinkRelation(StrEnum):
    DUPLICATE_OF = "duplicate_of"  # this referral repeats an open one and is tracked there
    RE_REFERRED_AS = "re_referred_as"  # this open referral was sent again as another


class Link(Contract):
    relation: LinkRelation
    other_referral_id: UUID
    other_source_agency_id: str


class CrisisRepeat(Contract):
    """A second (or later) urgent or crisis referral for the same person within the partnership's
    window: the referrals it links and the window, never who the person is (tracking keeps that)."""

    crisis_referrals: list[UUID] = Field(
        min_length=2, description="The person's urgent or crisis referrals within the window, oldest first; "
                                  "the one that repeated it last.")
    within_days: int = Field(ge=1, description="The window the policy sets (issue_log.repeated_crisis_within_days).")


class UnknownOutcome(Contract):
    """Open, and nothing has happened for longer than the partnership allows."""

    last_activity_at: AwareDatetime
    threshold_days: int


class CapacityChange(Contract):
    agency_id: str
    capacity: Capacity
    reason_text: str | None = Field(default=None, max_length=500)


class ReferralSubmitted(Event):
    """A referral, or a revision of it: the same sender's reference sent again with new content
    (how a sender answers a clarification request)."""

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


class ReferralClosedV2(Event):
    """Version 2: the closure of any kind, `linked` included. Consumers read both versions (the
    log keeps v1 for good); tracking publishes v2 since issue 20."""

    event_type: Literal["referral.closed"] = "referral.closed"
    schema_version: Literal[2] = 2
    data: ClosureV2


class ClosureMessage(RootModel[Annotated[ReferralClosed | ReferralClosedV2, Field(discriminator="schema_version")]]):
    """What `referral.closed.v1` carries: either version of `referral.closed`, told apart by schema_version."""


class RerouteRequested(Event):
    event_type: Literal["referral.reroute_requested"] = "referral.reroute_requested"
    schema_version: Literal[1] = 1
    data: Reroute


class ReferralLinked(Event):
    event_type: Literal["referral.linked"] = "referral.linked"
    schema_version: Literal[1] = 1
    data: Link


class OutcomeUnknown(Event):
    event_type: Literal["referral.outcome_unknown"] = "referral.outcome_unknown"
    schema_version: Literal[1] = 1
    data: UnknownOutcome


class RepeatedCrisis(Event):
    """On `referral.flags.v1`, keyed by the referral that repeated the crisis."""

    event_type: Literal["referral.repeated_crisis"] = "referral.repeated_crisis"
    schema_version: Literal[1] = 1
    data: CrisisRepeat


class ReferralFlag(RootModel[Annotated[ReferralLinked | OutcomeUnknown | RepeatedCrisis,
                                       Field(discriminator="event_type")]]):
    """What `referral.flags.v1` carries: any flag tracking raises, told apart by event_type."""


class EscalationRaised(Event):
    event_type: Literal["referral.escalation_raised"] = "referral.escalation_raised"
    schema_version: Literal[1] = 1
    data: Escalation


class EscalationRaisedV2(EscalationRaised):
    """Version 2: the rung with how its agency holds the referral (`held_as`). A v2 is read as a v1
    where v1 is expected (every v1 field is there); tracking publishes v2 since 2026-11-26 and every
    consumer reads both (the log keeps v1 for good)."""

    schema_version: Literal[2] = 2  # type: ignore[assignment]
    data: EscalationV2


class EscalationMessage(RootModel[Annotated[EscalationRaisedV2 | EscalationRaised,
                                            Field(discriminator="schema_version")]]):
    """What `referral.escalations.v1` carries: either version of `referral.escalation_raised`."""


class NotificationFailed(Event):
    event_type: Literal["notification.failed"] = "notification.failed"
    schema_version: Literal[1] = 1
    data: DeliveryFailure


class NotificationSent(Event):
    event_type: Literal["notification.sent"] = "notification.sent"
    schema_version: Literal[1] = 1
    data: Delivery


class NotificationOutcome(RootModel[Annotated[NotificationSent | NotificationFailed, Field(discriminator="event_type")]]):
    """What `notification.outcomes.v1` carries: either outcome, told apart by event_type."""


class CapacityChanged(DirectoryEvent):
    event_type: Literal["directory.capacity_changed"] = "directory.capacity_changed"
    schema_version: Literal[1] = 1
    data: CapacityChange


RELEASED_EVENTS: tuple[type[EventBase], ...] = (
    ReferralSubmitted,
    ReferralTriaged,
    MilestoneRecorded,
    ReferralClosed,
    ReferralClosedV2,
    RerouteRequested,
    ReferralLinked,
    OutcomeUnknown,
    RepeatedCrisis,
    EscalationRaised,
    EscalationRaisedV2,
    NotificationFailed,
    NotificationSent,
    CapacityChanged,
)

_BY_TYPE_AND_VERSION: dict[tuple[str, int], type[EventBase]] = {
    (event.type_name(), event.version()): event for event in RELEASED_EVENTS
}


def event_model(event_type: str, schema_version: int) -> type[EventBase]:
    """The model of a released (type, version) pair; KeyError for one never released."""
    return _BY_TYPE_AND_VERSION[(event_type, schema_version)]

