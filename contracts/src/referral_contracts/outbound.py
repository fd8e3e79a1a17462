"""What an agency hears back on its own topic, `referrals.outbound.v1.<agency id>` (readable only by
that agency under Kafka's ACLs), version 1.

- `referral.received`: a receipt for each submission it sent, by topic or HTTP: the referral id
  its `client_reference` names, and which revision of the package this was;
- `milestone.received`: a receipt for each milestone it published that was taken (new, or a
  repeat of a recorded milestone id);
- `inbound.refused`: a record on its inbound topics that was not taken, naming every problem (the
  dead-letter topic keeps the bytes, but only the platform reads it);
- `referral.update`: a change in a referral it has a part in (clarification requested, triaged,
  acknowledged, accepted, redirect requested, redirected, escalated, closed). Minimum necessary:
  references, roles and times, never the person's details; the closure's outcome only as consent
  allows, exactly as the closure e-mail (`consent.may_share`).

Every record carries the envelope of every event (id, type, version, referral id, correlation id,
who acted, when) and is keyed by the referral id; a refusal of a record that names no readable
referral is keyed by the inbound record's own position.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, RootModel

from .envelope import Contract, Event, EventBase
from .events import ClosureOutcome
from .tiers import AcuityTier
from .milestones import EscalationPathway, MilestoneKind, RedirectReason


class InboundPosition(Contract):
    """Where a record was read: an agency's producer learns these from its delivery report."""

    topic: str
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)


class Channel(StrEnum):
    KAFKA = "kafka"
    HTTP = "http"


class Receipt(Contract):
    client_reference: str = Field(min_length=1, max_length=100)
    revision_event_id: UUID = Field(
        description="The referral.submitted event this package became: the same package sent again is the same "
                    "event; a changed one (an answer to a clarification request) is a new revision.")
    channel: Channel
    inbound: InboundPosition | None = Field(default=None, description="kafka: the record this receipt is for.")


class MilestoneReceipt(Contract):
    """A milestone an agency published was taken: as HTTP answers 201 (new) or 200 (a repeat of a
    milestone id already recorded, which changes nothing)."""

    milestone_id: UUID | None = None
    kind: MilestoneKind
    new: bool = Field(description="False: this milestone id was recorded before; nothing changed.")
    inbound: InboundPosition


class Problem(Contract):
    field: str = Field(description="Dotted path of the field at fault; `(record)` for the record as a whole.")
    problem: str = Field(max_length=1000)


class RefusedKind(StrEnum):
    REFERRAL = "referral"
    MILESTONE = "milestone"


class Refusal(Contract):
    """A record an agency published that the platform did not take; nothing changed because of it."""

    kind: RefusedKind
    inbound: InboundPosition
    client_reference: str | None = Field(default=None, max_length=100, description="referral: if it could be read.")
    milestone_id: UUID | None = Field(default=None, description="milestone: if it could be read.")
    problems: list[Problem] = Field(min_length=1, description="Every problem found, each naming its field.")


class Change(StrEnum):
    CLARIFICATION_REQUESTED = "clarification_requested"  # to the sender: what is missing, by when
    TRIAGED = "triaged"  # the lead agency (or the triage desk), tier and contact deadline
    ACKNOWLEDGED = "acknowledged"  # the lead's proof of receipt
    ACCEPTED = "accepted"  # a named owner at the lead agency
    REDIRECT_REQUESTED = "redirect_requested"  # the lead asked to route it on; it stays accountable meanwhile
    REDIRECTED = "redirected"  # triage named the next agency
    ESCALATED = "escalated"  # handed to a crisis or safeguarding pathway with a named owner
    CLOSED = "closed"  # the loop closed: the outcome, as consent allows


class Part(StrEnum):
    """The part the agency reading the update has in the referral."""

    SENDER = "sender"
    LEAD = "lead"  # the lead agency now (or, for `redirected`, the next one)
    PREVIOUS_LEAD = "previous_lead"  # redirected away from it


class Update(Contract):
    change: Change
    your_part: Part
    client_reference: str | None = Field(default=None, max_length=100, description="To the sender: its own reference.")
    tier: AcuityTier | None = None
    lead_agency_id: str | None = Field(default=None, description="The accountable lead agency, when one is named.")
    contact_deadline: AwareDatetime | None = Field(default=None, description="First contact due by then.")
    owner: str | None = Field(default=None, max_length=200,
                              description="accepted: the named owner; escalated: the pathway's named owner.")
    missing_information: list[str] = Field(default_factory=list,
                                           description="clarification_requested: what the sender must still send.")
    clarification_due: AwareDatetime | None = None
    redirect_reason: RedirectReason | None = None
    escalation_pathway: EscalationPathway | None = None
    escalated_to_agency_id: str | None = None
    outcome: ClosureOutcome | None = Field(
        default=None, description="closed: how the loop closed; absent when consent does not allow this agency to know.")
    outcome_withheld: bool = Field(default=False, description="closed: consent kept the outcome from this agency.")
    reason_code: str | None = Field(default=None, description="closed: the reason or pathway, with the outcome.")
    linked_to: UUID | None = Field(default=None, description="closed as linked: the open referral that carries the person.")
    closed_at: AwareDatetime | None = None


class ReferralReceived(Event):
    event_type: Literal["referral.received"] = "referral.received"
    schema_version: Literal[1] = 1
    data: Receipt


class MilestoneReceived(Event):
    event_type: Literal["milestone.received"] = "milestone.received"
    schema_version: Literal[1] = 1
    data: MilestoneReceipt


class InboundRefused(EventBase):
    """Keyed by the referral when the record named one that could be read, else by its position."""

    event_type: Literal["inbound.refused"] = "inbound.refused"
    schema_version: Literal[1] = 1
    referral_id: UUID | None = None
    data: Refusal

    def partition_key(self) -> str:
        if self.referral_id is not None:
            return str(self.referral_id)
        position = self.data.inbound
        return f"{position.topic}:{position.partition}:{position.offset}"


class ReferralUpdate(Event):
    event_type: Literal["referral.update"] = "referral.update"
    schema_version: Literal[1] = 1
    data: Update


class OutboundMessage(RootModel[Annotated[ReferralReceived | MilestoneReceived | InboundRefused | ReferralUpdate,
                                          Field(discriminator="event_type")]]):
    """What `referrals.outbound.v1.<agency id>` carries, told apart by event_type."""


OUTBOUND_EVENTS: tuple[type[EventBase], ...] = (ReferralReceived, MilestoneReceived, InboundRefused, ReferralUpdate)
