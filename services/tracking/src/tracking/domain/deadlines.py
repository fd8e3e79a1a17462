"""The escalation ladder of a referral's first-contact clock. Pure: the policy and `now` come in.

Rungs: for a referral with risk flags, an alert to the lead agency's safeguarding / clinical lead
at once; a reminder at a share of the window, the breach at the deadline, the partnership lead a set
time after it. First contact attempted stops the clock. Routine work waits for working hours;
urgent and crisis follow-up do not wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from referral_contracts import (
    AcuityTier,
    Actor,
    Escalation,
    EscalationRaised,
    EscalationStep,
    derived_id,
)
from referral_contracts.calendar import within_working_hours
from referral_contracts.directory import LeadRole
from referral_contracts.policy import Policy

from .model import ReferralView, State

CLOCK_RUNNING = frozenset({State.ASSIGNED, State.ACKNOWLEDGED, State.ACCEPTED})
DOES_NOT_WAIT = frozenset({AcuityTier.URGENT, AcuityTier.CRISIS_FOLLOW_UP})
TRACKING = Actor(agency_id="platform-tracking")  # the actor of events tracking itself raises


@dataclass(frozen=True)
class Rung:
    step: EscalationStep
    at: datetime
    agency_id: str
    role: LeadRole


def ladder(view: ReferralView, policy: Policy) -> list[Rung]:
    """The rungs not yet fired for the current deadline, in order."""
    if view.state not in CLOCK_RUNNING or not (view.contact_deadline and view.clock_started_at and view.lead_agency_id):
        return []
    start, due, rules = view.clock_started_at, view.contact_deadline, policy.escalation
    rungs = [
        Rung(EscalationStep.REMINDER, start + (due - start) * rules.reminder_at_fraction, view.lead_agency_id,
             LeadRole.REFERRAL_CONTACT),
        Rung(EscalationStep.BREACH, due, view.lead_agency_id, rules.breach_notifies),
        Rung(EscalationStep.PARTNERSHIP, due + timedelta(hours=rules.partnership_lead_after_hours),
             view.lead_agency_id, LeadRole.PARTNERSHIP),
    ]
    if view.tier not in DOES_NOT_WAIT:
        rungs = [Rung(r.step, within_working_hours(r.at, policy.calendar), r.agency_id, r.role) for r in rungs]
    if view.risk_flagged:  # never held for working hours: risk does not keep office hours
        rungs.insert(0, Rung(EscalationStep.RISK_ALERT, start, view.lead_agency_id,
                             rules.risk_flags_notify_immediately))
    fired = {(e.step, e.contact_deadline) for e in view.escalations}
    return [r for r in rungs if (r.step, due) not in fired]


def due_now(view: ReferralView, policy: Policy, now: datetime) -> list[Rung]:
    return [r for r in ladder(view, policy) if r.at <= now]


def next_due_at(view: ReferralView, policy: Policy) -> datetime | None:
    """When the watcher must look at this referral next; None while no clock runs."""
    return min((r.at for r in ladder(view, policy)), default=None)


def escalation_event(view: ReferralView, rung: Rung, now: datetime) -> EscalationRaised:
    """One id per referral, rung and deadline: replicas firing at once write one event."""
    due = view.contact_deadline
    return EscalationRaised.create(
        event_id=derived_id(view.referral_id, "escalation", rung.step.value, due.isoformat()),
        referral_id=view.referral_id, correlation_id=view.correlation_id, actor=TRACKING, occurred_at=now,
        data=Escalation(step=rung.step, agency_id=rung.agency_id, role=rung.role, contact_deadline=due,
                        overdue_seconds=max(0, int((now - due).total_seconds())), tier=view.tier,
                        client_reference=view.client_reference),
    )
