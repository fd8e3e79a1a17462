"""Milestones a receiving agency records after triage (DOMAIN.md, "Lifecycle")."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from .envelope import Actor, Contract
from .referral import ContactMethod


class MilestoneKind(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    CONTACT_ATTEMPTED = "contact_attempted"
    APPOINTMENT_SCHEDULED = "appointment_scheduled"
    ENGAGED = "engaged"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    LEFT_MESSAGE = "left_message"
    WRONG_DETAILS = "wrong_details"


class Milestone(Contract):
    """A milestone as recorded: the body of `POST /v1/referrals/{id}/milestones`."""

    milestone_id: UUID | None = Field(
        default=None, description="Client-chosen id; sending the same id again records nothing new."
    )
    kind: MilestoneKind
    actor: Actor
    occurred_at: AwareDatetime | None = Field(default=None, description="When it happened; default: now.")
    owner: str | None = Field(default=None, min_length=1, max_length=200, description="Named owner (accepted).")
    attempt_number: int | None = Field(default=None, ge=1, le=20)
    outcome: ContactOutcome | None = None
    channel: ContactMethod | None = None
    appointment_at: AwareDatetime | None = None
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _kind_has_its_details(self) -> Milestone:
        if self.actor.person is None:
            raise ValueError("actor.person: a milestone names the person who acted")
        required = {
            MilestoneKind.ACCEPTED: ("owner",),
            MilestoneKind.CONTACT_ATTEMPTED: ("attempt_number", "outcome", "channel"),
            MilestoneKind.APPOINTMENT_SCHEDULED: ("appointment_at",),
        }.get(self.kind, ())
        missing = [name for name in required if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.kind.value} needs {', '.join(missing)}")
        return self


class MilestoneReport(Milestone):
    """A milestone on the inbound topic, which has no URL path to carry the referral id."""

    referral_id: UUID

    def milestone(self) -> Milestone:
        return Milestone.model_validate(self.model_dump(exclude={"referral_id"}))
