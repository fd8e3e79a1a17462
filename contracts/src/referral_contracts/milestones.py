"""What agencies record about a referral after it was submitted (DOMAIN.md, "Lifecycle").

One command shape for every step, from acknowledgement to closure: `kind` says which, and each
kind requires its own details. Reasons are enumerations (for reporting) with free text beside them
(for people).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, ConfigDict, Field, field_validator, model_validator

from . import schema_rules
from .envelope import Actor, Contract, to_stored_precision
from .referral import Consent, ContactMethod


class MilestoneKind(StrEnum):
    ACKNOWLEDGED = "acknowledged"  # received by the lead agency (proof of receipt)
    ACCEPTED = "accepted"  # a named owner takes accountability
    CONTACT_ATTEMPTED = "contact_attempted"
    APPOINTMENT_SCHEDULED = "appointment_scheduled"  # BSeR 5.1.1
    APPOINTMENT_MISSED = "appointment_missed"  # BSeR 5.1.2, no-show
    APPOINTMENT_CANCELLED = "appointment_cancelled"  # BSeR 5.1.3
    ENGAGED = "engaged"  # closes: first engagement completed
    DECLINED = "declined"  # closes: by the person, with a documented reason
    REDIRECT_REQUESTED = "redirect_requested"  # no wrong door: triage routes it on
    ESCALATED = "escalated"  # closes: handed to a crisis / safeguarding pathway with a named owner
    WITHDRAWN = "withdrawn"  # closes: cancelled by the sender, with a reason
    CONSENT_CHANGED = "consent_changed"  # granted / limited / refused / withdrawn, effective at once
    BREACH_EXPLAINED = "breach_explained"  # the accountable agency's reason for a missed deadline
    # Follow-through after engagement (a consult's advice turned into action on shift):
    CONSULT_COMPLETED = "consult_completed"  # by the lead: the partner's advice is given
    PLAN_UPDATED = "plan_updated"  # by the sender: what changes today, over two weeks, what needs the partner
    STAFF_BRIEFED = "staff_briefed"  # by the sender: the staff on shift know the updated plan


CLOSING_KINDS = frozenset({MilestoneKind.ENGAGED, MilestoneKind.DECLINED, MilestoneKind.ESCALATED,
                           MilestoneKind.WITHDRAWN})


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    LEFT_MESSAGE = "left_message"
    WRONG_DETAILS = "wrong_details"


class DeclineReason(StrEnum):
    PERSON_DECLINED = "person_declined"
    NOT_READY = "not_ready"
    CHOSE_ANOTHER_SERVICE = "chose_another_service"
    NEEDS_ALREADY_MET = "needs_already_met"


class RedirectReason(StrEnum):
    NOT_ELIGIBLE = "not_eligible"
    NO_CAPACITY = "no_capacity"
    BETTER_FIT_ELSEWHERE = "better_fit_elsewhere"
    OUT_OF_AREA = "out_of_area"


class WithdrawalReason(StrEnum):
    NO_LONGER_NEEDED = "no_longer_needed"
    SENT_IN_ERROR = "sent_in_error"
    DUPLICATE = "duplicate"
    PERSON_MOVED = "person_moved"
    PERSON_DIED = "person_died"
    OTHER = "other"


class EscalationPathway(StrEnum):
    CRISIS = "crisis"
    SAFEGUARDING = "safeguarding"
    CLINICAL_REVIEW = "clinical_review"


# Which details each kind must carry.
_REQUIRED: dict[MilestoneKind, tuple[str, ...]] = {
    MilestoneKind.ACCEPTED: ("owner",),
    MilestoneKind.CONTACT_ATTEMPTED: ("attempt_number", "outcome", "channel"),
    MilestoneKind.APPOINTMENT_SCHEDULED: ("appointment_at",),
    MilestoneKind.DECLINED: ("decline_reason", "reason_text"),
    MilestoneKind.REDIRECT_REQUESTED: ("redirect_reason", "reason_text"),
    MilestoneKind.ESCALATED: ("escalation_pathway", "owner", "escalated_to_agency_id", "reason_text"),
    MilestoneKind.WITHDRAWN: ("withdrawal_reason", "reason_text"),
    MilestoneKind.CONSENT_CHANGED: ("consent",),
    MilestoneKind.BREACH_EXPLAINED: ("explains_escalation_id", "reason_text"),
    MilestoneKind.PLAN_UPDATED: ("plan_today", "plan_two_weeks"),
}


def _details_in_schema(schema: dict[str, Any]) -> None:
    """The rules of `Milestone._kind_has_its_details`, from the same table, in the JSON Schema: an
    agency's validator then refuses, say, a `withdrawn` without `reason_text`, as the platform does."""
    schema_rules.add_all_of(schema, [
        {"properties": {"actor": schema_rules.present(["person"])}},
        *schema_rules.per_value("kind", _REQUIRED),
    ])


class Milestone(Contract):
    """A milestone as recorded: the body of `POST /v1/referrals/{id}/milestones` on tracking."""

    model_config = ConfigDict(json_schema_extra=_details_in_schema)

    milestone_id: UUID | None = Field(
        default=None, description="Client-chosen id; sending the same id again records nothing new."
    )
    kind: MilestoneKind
    actor: Actor
    occurred_at: AwareDatetime | None = Field(default=None, description="When it happened; default: now.")
    owner: str | None = Field(default=None, min_length=1, max_length=200,
                              description="Named owner: accepted, or the escalation pathway's owner.")
    attempt_number: int | None = Field(default=None, ge=1, le=20)
    outcome: ContactOutcome | None = None
    channel: ContactMethod | None = None
    appointment_at: AwareDatetime | None = None
    decline_reason: DeclineReason | None = None
    redirect_reason: RedirectReason | None = None
    suggested_agency_id: str | None = Field(default=None, max_length=64,
                                            description="Redirect: an agency the lead suggests.")
    withdrawal_reason: WithdrawalReason | None = None
    escalation_pathway: EscalationPathway | None = None
    escalated_to_agency_id: str | None = Field(default=None, max_length=64)
    consent: Consent | None = None
    explains_escalation_id: UUID | None = Field(
        default=None, description="breach_explained: the escalation (its event id) the reason is for.")
    plan_today: str | None = Field(default=None, min_length=1, max_length=2000,
                                   description="plan_updated: what changes today.")
    plan_two_weeks: str | None = Field(default=None, min_length=1, max_length=2000,
                                       description="plan_updated: what changes over the next two weeks.")
    needs_partner_input: str | None = Field(default=None, max_length=2000,
                                            description="plan_updated: what needs more input from the partner.")
    reason_text: str | None = Field(default=None, min_length=1, max_length=2000)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        return to_stored_precision(value) if value else None

    @model_validator(mode="after")
    def _kind_has_its_details(self) -> Milestone:
        if self.actor.person is None:
            raise ValueError("actor.person: a milestone names the person who acted")
        missing = [name for name in _REQUIRED.get(self.kind, ()) if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.kind.value} needs {', '.join(missing)}")
        return self

    @property
    def closes(self) -> bool:
        return self.kind in CLOSING_KINDS


class MilestoneReport(Milestone):
    """A milestone on the inbound topic, which has no URL path to carry the referral id."""

    referral_id: UUID

    def milestone(self) -> Milestone:
        return Milestone.model_validate(self.model_dump(exclude={"referral_id"}))
