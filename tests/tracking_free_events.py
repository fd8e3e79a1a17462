"""Events tracking would publish, built without importing tracking (for the notifier's tests)."""

from __future__ import annotations

from uuid import uuid4

from referral_contracts import AcuityTier, Actor, Escalation, EscalationRaised, EscalationRaisedV2, EscalationStep, EscalationV2
from referral_contracts.directory import LeadRole
from referral_contracts.holders import HolderRole

from event_factories import at


def escalation(step: EscalationStep, *, overdue_seconds: int = 0, agency: str = "cmh-east",
               role: LeadRole = LeadRole.OPERATIONAL) -> EscalationRaised:
    return EscalationRaised.create(
        referral_id=uuid4(), correlation_id=uuid4(), actor=Actor(agency_id="platform-tracking"),
        occurred_at=at(60), data=Escalation(step=step, agency_id=agency, role=role, deadline=at(0),
                                            overdue_seconds=overdue_seconds, tier=AcuityTier.ROUTINE,
                                            client_reference="GPN-2026-0001"),
    )


def escalation_v2(step: EscalationStep, held_as: HolderRole | None, *, agency: str = "triage-desk",
                  overdue_seconds: int = 0) -> EscalationRaisedV2:
    """A rung as tracking publishes it since v2: with how its agency holds the referral."""
    v1 = escalation(step, overdue_seconds=overdue_seconds, agency=agency)
    return EscalationRaisedV2.create(
        referral_id=v1.referral_id, correlation_id=v1.correlation_id, actor=v1.actor, occurred_at=v1.occurred_at,
        data=EscalationV2(**v1.data.model_dump(), held_as=held_as))
