"""Events as the services would publish them, at chosen times, for tracking and notifier tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

from referral_contracts import (
    AcuityTier,
    Actor,
    Closure,
    Consent,
    Milestone,
    MilestoneRecorded,
    ReferralClosed,
    ReferralSubmitted,
    ReferralTriaged,
    TriageDecision,
    TriageOutcome,
    derived_id,
)

from factories import referral_request

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday morning
DESK = "triage-desk"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def submitted(referral_id: UUID | None = None, minute: float = 0, **changes: Any) -> ReferralSubmitted:
    request = referral_request(**changes)
    return ReferralSubmitted.create(
        referral_id=referral_id or uuid4(), correlation_id=uuid4(),
        actor=Actor(agency_id=request.source_agency_id, person=request.referrer.name),
        data=request, occurred_at=at(minute),
    )


def triaged(first: ReferralSubmitted, minute: float = 1, *, lead: str | None = "cmh-east",
            warm_handoff: bool = False, tier: AcuityTier = AcuityTier.ROUTINE,
            outcome: TriageOutcome | None = None, missing: list[str] | None = None,
            reroute_of: UUID | None = None) -> ReferralTriaged:
    """Triage's answer to a submission (or, with `reroute_of`, to a redirect)."""
    decision = TriageDecision(
        outcome=outcome or (TriageOutcome.ASSIGNED if lead else TriageOutcome.UNASSIGNED),
        tier=tier, lead_agency_id=lead, service_id=f"{lead}-service" if lead else None,
        clock_started_at=at(0), contact_deadline=at(60 * 24 * 14), warm_handoff=warm_handoff,
        missing_information=missing or [], clarification_due=at(8 * 60) if missing else None,
        reroute_of=reroute_of,
    )
    return ReferralTriaged.create(
        referral_id=first.referral_id, correlation_id=first.correlation_id,
        causation_id=reroute_of or first.event_id, actor=Actor(agency_id=DESK), data=decision,
        occurred_at=at(minute),
    )


def milestone(referral_id: UUID, kind: str, minute: float, *, agency: str = "cmh-east",
              person: str = "Sam Lee", **details: Any) -> MilestoneRecorded:
    defaults = {
        "accepted": {"owner": person},
        "contact_attempted": {"attempt_number": 1, "outcome": "reached", "channel": "phone"},
        "appointment_scheduled": {"appointment_at": at(minute + 60 * 24)},
        "declined": {"decline_reason": "person_declined", "reason_text": "Prefers to wait"},
        "redirect_requested": {"redirect_reason": "no_capacity", "reason_text": "Caseload full"},
        "escalated": {"escalation_pathway": "crisis", "owner": "Kit Moss", "escalated_to_agency_id": "crisis-team",
                      "reason_text": "Escalating risk"},
        "withdrawn": {"withdrawal_reason": "no_longer_needed", "reason_text": "Support found"},
        "consent_changed": {"consent": Consent(status="withdrawn")},
    }.get(kind, {})
    actor = Actor(agency_id=agency, person=person)
    data = Milestone(kind=kind, actor=actor, occurred_at=at(minute), milestone_id=uuid4(), **(defaults | details))
    return MilestoneRecorded.create(
        event_id=data.milestone_id, referral_id=referral_id, correlation_id=uuid4(), actor=actor,
        data=data, occurred_at=at(minute),
    )


def closed_loop(referral_id: UUID | None = None) -> list:
    """A referral from submission to engagement, in the order it happened."""
    first = submitted(referral_id)
    rid = first.referral_id
    return [first, triaged(first), milestone(rid, "acknowledged", 5), milestone(rid, "accepted", 10),
            milestone(rid, "contact_attempted", 20), milestone(rid, "engaged", 30)]


def closed(referral_id: UUID | None = None, minute: float = 30, *, outcome: str = "engaged",
           source: str = "gp-north", closing: str = "cmh-east", client_reference: str = "GPN-2026-0001",
           consent: str = "granted") -> ReferralClosed:
    """The closure message tracking publishes, with its event id derived as tracking derives it."""
    rid = referral_id or uuid4()
    data = Closure(outcome=outcome, source_agency_id=source, closing_agency_id=closing, closed_at=at(minute),
                   client_reference=client_reference, consent=Consent(status=consent))
    return ReferralClosed.create(
        event_id=derived_id(rid, "closed"), referral_id=rid, correlation_id=uuid4(),
        actor=Actor(agency_id=closing), data=data, occurred_at=at(minute),
    )
