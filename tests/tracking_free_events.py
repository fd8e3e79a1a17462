"""Events tracking would publish, built without importing tracking (for the notifier's tests)."""

from __future__ import annotations

from uuid import uuid4

from referral_contracts import AcuityTier, Actor, Escalation, EscalationRaised, EscalationStep
from referral_contracts.directory import LeadRole

from event_factories import at


def escalation(step: EscalationStep, *, overdue_seconds: int = 0, agency: str = "cmh-east",
               role: LeadRole = LeadRole.OPERATIONAL) -> EscalationRaised:
    return EscalationRaised.create(
        referral_id=uuid4(), correlation_id=uuid4(), actor=Actor(agency_id="platform-tracking"),
        occurred_at=at(60), data=Escalation(step=step, agency_id=agency, role=role, deadline=at(0),
                                            overdue_seconds=overdue_seconds, tier=AcuityTier.ROUTINE,
                                            client_reference="GPN-2026-0001"),
    )
