"""Events as the services would publish them, at chosen times, for tracking and notifier tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

from referral_contracts import (
    AcuityTier,
    Actor,
    Milestone,
    MilestoneRecorded,
    ReferralSubmitted,
    ReferralTriaged,
    TriageDecision,
    TriageOutcome,
)

from factories import referral_request

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday morning


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def submitted(referral_id: UUID | None = None, minute: float = 0, **changes: Any) -> ReferralSubmitted:
    request = referral_request(**changes)
    return ReferralSubmitted.create(
        referral_id=referral_id or uuid4(), correlation_id=uuid4(),
        actor=Actor(agency_id=request.source_agency_id, person=request.referrer.name),
        data=request, occurred_at=at(minute),
    )


def triaged(referral_id: UUID, minute: float = 1, *, lead: str | None = "cmh-east",
            warm_handoff: bool = False, tier: AcuityTier = AcuityTier.ROUTINE) -> ReferralTriaged:
    decision = TriageDecision(
        outcome=TriageOutcome.ASSIGNED if lead else TriageOutcome.UNASSIGNED,
        tier=tier, lead_agency_id=lead, service_id=f"{lead}-service" if lead else None,
        clock_started_at=at(0), contact_deadline=at(60 * 24 * 14), warm_handoff=warm_handoff,
    )
    return ReferralTriaged.create(
        referral_id=referral_id, correlation_id=uuid4(), actor=Actor(agency_id="triage-desk"),
        data=decision, occurred_at=at(minute),
    )


def milestone(referral_id: UUID, kind: str, minute: float, *, agency: str = "cmh-east",
              person: str = "Sam Lee", **details: Any) -> MilestoneRecorded:
    defaults = {"accepted": {"owner": "Sam Lee"},
                "contact_attempted": {"attempt_number": 1, "outcome": "reached", "channel": "phone"},
                "appointment_scheduled": {"appointment_at": at(minute + 60 * 24)}}.get(kind, {})
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
    return [first, triaged(rid), milestone(rid, "acknowledged", 5), milestone(rid, "accepted", 10),
            milestone(rid, "contact_attempted", 20), milestone(rid, "engaged", 30)]


# Appended for the notifier's tests (kept below, so the block above stays as it was).
from referral_contracts import Closure, ReferralClosed, derived_id  # noqa: E402


def closed(referral_id: UUID | None = None, minute: float = 30, *, outcome: str = "engaged",
           source: str = "gp-north", closing: str = "cmh-east",
           client_reference: str = "GPN-2026-0001") -> ReferralClosed:
    """The closure message tracking publishes, with its event id derived as tracking derives it."""
    rid = referral_id or uuid4()
    data = Closure(outcome=outcome, source_agency_id=source, closing_agency_id=closing,
                   closed_at=at(minute), client_reference=client_reference)
    return ReferralClosed.create(
        event_id=derived_id(rid, "closed"), referral_id=rid, correlation_id=uuid4(),
        actor=Actor(agency_id=closing), data=data, occurred_at=at(minute),
    )
