"""What an escalation rung says (the ladder's step, the lead told, how late) and what the notifier
reports of telling someone (a delivery, or a failure and its fallback): payloads of
`referral.escalation` and of the notification outcomes."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, Field

from .directory import LeadRole
from .envelope import Contract
from .holders import HolderRole
from .tiers import AcuityTier


class EscalationStep(StrEnum):
    RISK_ALERT = "risk_alert"  # risk flags: the lead's safeguarding / clinical lead, at once
    REMINDER = "reminder"  # to the lead before the deadline
    BREACH = "breach"  # the deadline passed without first contact
    PARTNERSHIP = "partnership"  # still no contact a set time after the breach
    FAILED_CONTACT = "failed_contact"  # after the nth failed contact attempt: the policy's next step
    REVIEW_OVERDUE = "review_overdue"  # the post-crisis review was not held in time
    PLAN_UPDATE_OVERDUE = "plan_update_overdue"  # a consult's advice not turned into a plan update in time
    STAFF_BRIEFING_OVERDUE = "staff_briefing_overdue"  # the updated plan not briefed to staff in time


class FailedContactAction(StrEnum):
    """What the partnership does after repeated failed contact attempts; a named lead signs it off."""

    ALTERNATE_CONTACT = "alternate_contact"  # the alternate contact the person consented to, another channel
    WELFARE_CHECK = "welfare_check"  # a welfare check, where the policy's criteria are met
    REROUTE = "reroute"  # route the referral on (no wrong door)


class Escalation(Contract):
    """A rung of an escalation ladder, fired once, for the named lead of an agency."""

    step: EscalationStep
    agency_id: str
    role: LeadRole = Field(description="The lead told, who signs off the action needed.")
    deadline: AwareDatetime | None = Field(
        default=None, description="The deadline this rung belongs to: first contact, or the post-crisis review.")
    overdue_seconds: int = Field(ge=0, description="By how much the deadline was missed (0 before it).")
    tier: AcuityTier
    client_reference: str = Field(max_length=100)
    failed_attempts: int | None = Field(default=None, ge=1, description="failed_contact: attempts so far.")
    action: FailedContactAction | None = Field(default=None, description="failed_contact: the next step.")
    guidance: str | None = Field(default=None, max_length=1000,
                                 description="The policy's words for the action, e.g. welfare-check criteria.")


class EscalationV2(Escalation):
    """Version 2: also how the agency told holds the referral, so its notice asks for what it can
    do (the triage desk holding one no agency took cannot make first contact before someone takes it on)."""

    held_as: HolderRole | None = Field(
        description="How the agency told holds the referral now: its lead, its sender or the triage desk; "
                    "null for an agency told while not accountable (the sender's follow-through steps).")


class DeliveryFailure(Contract):
    """A notification that could not be delivered on a channel; names roles and ids, no people."""

    channel: str
    purpose: str = Field(description="e.g. escalation breach, closure notice")
    agency_id: str
    role: LeadRole
    reason: str = Field(max_length=500)
    fallback: str | None = Field(default=None, description="The channel used instead, if any.")


class Delivery(Contract):
    """A notification the mail system or SMS provider accepted: who was told, when and how."""

    channel: str
    purpose: str = Field(description="e.g. escalation breach, closure notice")
    agency_id: str
    role: LeadRole
    recipient: str = Field(max_length=320, description="The staff address or number in the directory.")
    notified_event_id: UUID = Field(description="The event the notification was about.")
