"""The escalation ladders of a referral. Pure: the policy and `now` come in.

Three clocks, each a list of rungs that fire once:
- first contact: for a referral with risk flags, an alert to the lead agency's safeguarding /
  clinical lead at once; a reminder at a share of the window, the breach at the deadline, the
  partnership lead a set time after it. First contact attempted stops this clock. It runs for
  whoever holds the referral: the lead, or before there is one (no agency with capacity, a
  clarification owed, a redirect not yet accepted) the triage desk and the sender, so a deadline
  never passes with nobody told (DOMAIN.md: someone named accountable at every moment).
- failed contact: after the policy's numbers of failed attempts in a row, its next step (alternate
  contact, welfare check, re-route) goes to the lead who signs it off.
- post-crisis review: still open at the review deadline, the review is overdue.
Routine and priority work waits for working hours; urgent, crisis follow-up and risk alerts do not.

A rung's identity is its event id, derived from the referral and what makes the rung one of a
kind (its step and deadline, or the lead and the attempt count): replicas firing at once write
one event, and a fired rung is recognised in the view by that id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from referral_contracts import (
    TIME_CRITICAL_TIERS,
    Escalation,
    EscalationRaisedV2,
    EscalationStep,
    EscalationV2,
    FailedContactAction,
    derived_id,
)
from referral_contracts.calendar import deadline, within_working_hours
from referral_contracts.changes import awaiting_first_contact
from referral_contracts.directory import LeadRole
from referral_contracts.policy import Policy

from tracking.lifecycle.model import TRACKING, WITH_LEAD, ReferralView, Role, State

CLOCK_RUNNING = frozenset({State.ASSIGNED, State.ACKNOWLEDGED, State.ACCEPTED})  # a lead's own clock
FIRST_CONTACT_STEPS = frozenset({EscalationStep.RISK_ALERT, EscalationStep.REMINDER, EscalationStep.BREACH,
                                 EscalationStep.PARTNERSHIP})
# Why a holder other than a lead holds the referral (the notice's guidance): it cannot make first
# contact itself before someone takes the referral on. What the triage desk can do about it is the
# notifier's wording for a rung `held_as` the desk; this says only where the referral is stuck.
WHILE_NO_LEAD_HOLDS = {
    State.UNASSIGNED: "No agency offers an eligible service with capacity: the triage desk holds the referral.",
    State.AWAITING_CLARIFICATION: "Triage is waiting for the sender's missing information: send it, or chase it.",
    State.REDIRECTING: "A redirect is under way and no agency has accepted the referral yet: you stay accountable "
                       "for the person until one does.",
    State.SUBMITTED: "Triage has not yet decided on the sender's revision.",
}
MISSED_DEADLINE_STEPS = frozenset({EscalationStep.BREACH, EscalationStep.PARTNERSHIP, EscalationStep.REVIEW_OVERDUE,
                                   EscalationStep.PLAN_UPDATE_OVERDUE, EscalationStep.STAFF_BRIEFING_OVERDUE})


@dataclass(frozen=True)
class Rung:
    step: EscalationStep
    at: datetime
    agency_id: str
    role: LeadRole
    deadline: datetime | None
    identity: tuple[object, ...]  # what makes it one of a kind; its event id derives from it
    office_hours: bool = False  # routine work: fires only within working hours
    failed_attempts: int | None = None
    action: FailedContactAction | None = None
    guidance: str | None = None
    held_as: Role | None = None  # how its agency holds the referral; None for one not accountable


def ladder(view: ReferralView, policy: Policy) -> list[Rung]:
    """The rungs not yet fired, in the order they fall due."""
    rungs = [*_failed_contact(view, policy), *_post_crisis_review(view, policy), *_follow_through(view, policy)]
    rungs += _first_contact(view, policy)
    if view.tier not in TIME_CRITICAL_TIERS:  # time-critical rungs fire around the clock
        rungs = [replace(r, at=within_working_hours(r.at, policy.calendar), office_hours=True)
                 if r.step is not EscalationStep.RISK_ALERT else r for r in rungs]
    return sorted((r for r in rungs if not _fired(view, r)), key=lambda r: r.at)


def _fired(view: ReferralView, rung: Rung) -> bool:
    """The rung fired already: by its id, or for a first-contact rung, the same step of the same
    deadline told to the same agency (the desk told while it held the referral, then taking it on)."""
    if rung.step in FIRST_CONTACT_STEPS and any(
            (r.step, r.agency_id, r.deadline) == (rung.step, rung.agency_id, rung.deadline) for r in view.escalations):
        return True
    own_id = rung_id(view, rung)
    return any(r.event_id == own_id for r in view.escalations)


def first_contact_clock_runs(view: ReferralView) -> bool:
    """Whether the first-contact deadline is being watched: triaged with a deadline, and a lead's
    clock running (CLOCK_RUNNING: also after an earlier lead's contact, for a new lead's deadline) or,
    awaiting first contact, held by whoever holds it: the contract's rule, which oversight also
    counts as overdue by once the deadline passes."""
    if not (view.contact_deadline and view.clock_started_at and view.accountable):
        return False
    return view.state in CLOCK_RUNNING or awaiting_first_contact(view.state, view.first_contact_at)


def accountable_agencies(view: ReferralView) -> list[str]:
    """Every agency accountable now, the lead first: during a warm handoff the sender too, so each
    rung goes to the named lead of its role in both (DOMAIN.md, "Warm handoff")."""
    holders = [a.agency_id for a in view.accountable]
    first = view.lead_agency_id if view.lead_agency_id in holders else next(iter(holders), None)
    return list(dict.fromkeys([first, *holders])) if first else []


def _for_each_accountable(view: ReferralView, rung: Rung) -> list[Rung]:
    """The rung for every accountable agency. The first (the lead) keeps the rung's own identity,
    so a rung fired before warm handoffs were told twice keeps its id; each other agency's rung is
    one of a kind by its agency too. So is every first-contact rung fired while no lead's clock runs
    (the desk holding it, a clarification owed, a redirect not yet accepted): the lead that then
    takes the referral on the same deadline is told in its turn, and `ladder` never tells a holder
    twice of one deadline."""
    agencies, roles = accountable_agencies(view), {}
    for holder in view.accountable:
        roles.setdefault(holder.agency_id, holder.role)
    held_by_others = rung.step in FIRST_CONTACT_STEPS and view.state not in CLOCK_RUNNING
    return [replace(rung, agency_id=agency, held_as=roles[agency],
                    identity=rung.identity + ((agency,) if n or held_by_others else ()))
            for n, agency in enumerate(agencies)]


def _first_contact(view: ReferralView, policy: Policy) -> list[Rung]:
    if not first_contact_clock_runs(view):
        return []
    start, due, rules = view.clock_started_at, view.contact_deadline, policy.escalation
    agency = accountable_agencies(view)[0]
    guidance = None if view.state in CLOCK_RUNNING else WHILE_NO_LEAD_HOLDS.get(view.state)

    def rung(step: EscalationStep, at: datetime, role: LeadRole) -> Rung:
        return Rung(step, at, agency, role, due, (step.value, due.isoformat()), guidance=guidance)

    rungs = [
        rung(EscalationStep.REMINDER, start + (due - start) * rules.reminder_at_fraction, LeadRole.REFERRAL_CONTACT),
        rung(EscalationStep.BREACH, due, rules.breach_notifies),
        rung(EscalationStep.PARTNERSHIP, due + timedelta(hours=rules.partnership_lead_after_hours),
             LeadRole.PARTNERSHIP),
    ]
    if view.risk_flagged:  # never held for working hours: risk does not keep office hours
        rungs.append(rung(EscalationStep.RISK_ALERT, start, rules.risk_flags_notify_immediately))
    return [each for r in rungs for each in _for_each_accountable(view, r)]


def _failed_contact(view: ReferralView, policy: Policy) -> list[Rung]:
    """The step for the failed attempts so far in this run (the highest one reached; earlier ones
    are past). Each run of failures (reaching the person ends one) is a ladder of its own."""
    reached = [s for s in policy.escalation.failed_contact_attempts if s.after <= view.failed_contact_attempts]
    if not reached or view.state not in WITH_LEAD or not view.lead_agency_id or not view.last_failed_contact_at:
        return []
    step, run = reached[-1], view.failed_contact_run
    identity = (EscalationStep.FAILED_CONTACT.value, view.lead_agency_id, step.after, *((f"run {run}",) if run > 1 else ()))
    return _for_each_accountable(view, Rung(
        EscalationStep.FAILED_CONTACT, view.last_failed_contact_at, view.lead_agency_id, step.signs_off,
        view.contact_deadline, identity, failed_attempts=view.failed_contact_attempts, action=step.action,
        guidance=step.guidance))


def _post_crisis_review(view: ReferralView, policy: Policy) -> list[Rung]:
    """Engagement (the review held) or any other closure stops this clock."""
    agencies = accountable_agencies(view)
    if not view.is_open or view.review_deadline is None or not agencies:
        return []
    due = view.review_deadline
    return _for_each_accountable(view, Rung(EscalationStep.REVIEW_OVERDUE, due, agencies[0],
                                            policy.escalation.review_overdue_notifies, due,
                                            (EscalationStep.REVIEW_OVERDUE.value, due.isoformat())))


def _follow_through(view: ReferralView, policy: Policy) -> list[Rung]:
    """The sender's next follow-through step, due a policy time after the step before it."""
    rules, done = policy.follow_through, view.follow_through
    if rules is None or done is None or done.next_step is None:
        return []
    if done.next_step == "plan_update":
        step, since, within = EscalationStep.PLAN_UPDATE_OVERDUE, done.consult_completed_at, rules.plan_update_within
    else:
        step, since, within = EscalationStep.STAFF_BRIEFING_OVERDUE, done.plan_updated_at, rules.staff_briefing_within
    due = deadline(since, within, policy.calendar)
    return [Rung(step, due, view.source_agency_id, rules.overdue_notifies, due, (step.value, due.isoformat()))]


def still_applies(view: ReferralView, escalation: Escalation) -> str | None:
    """Why a fired rung no longer belongs to the referral (its clock stopped), or None."""
    step = escalation.step
    if step in FIRST_CONTACT_STEPS and (not first_contact_clock_runs(view) or view.contact_deadline != escalation.deadline):
        return f"stale escalation: the clock it belongs to no longer runs (state {view.state.value})"
    if step is EscalationStep.FAILED_CONTACT and (
            view.state not in WITH_LEAD or escalation.agency_id not in accountable_agencies(view)
            or view.failed_contact_attempts < (escalation.failed_attempts or 1)):
        return f"stale escalation: contact was made or the lead changed (state {view.state.value})"
    follow = view.follow_through
    if step is EscalationStep.PLAN_UPDATE_OVERDUE and (follow is None or follow.plan_updated_at is not None):
        return "stale escalation: the plan was updated"
    if step is EscalationStep.STAFF_BRIEFING_OVERDUE and (follow is None or follow.staff_briefed_at is not None):
        return "stale escalation: the staff were briefed"
    if step is EscalationStep.REVIEW_OVERDUE and (not view.is_open or view.review_deadline != escalation.deadline):
        return f"stale escalation: no post-crisis review is pending (state {view.state.value})"
    return None


def fires_at(rung: Rung, policy: Policy, now: datetime) -> datetime:
    """When the rung fires, seen at `now`: its time, unless it is routine work that fell due while
    the watcher was not looking (an outage, a restart) and it is now out of hours: then the morning."""
    if rung.at > now or not rung.office_hours:
        return rung.at
    return within_working_hours(now, policy.calendar)


def due_now(view: ReferralView, policy: Policy, now: datetime) -> list[Rung]:
    return [r for r in ladder(view, policy) if fires_at(r, policy, now) <= now]


def held_until(view: ReferralView, policy: Policy, now: datetime) -> datetime | None:
    """When the watcher must look again at rungs that are due but held for working hours; None if none."""
    return min((t for r in ladder(view, policy) if r.at <= now < (t := fires_at(r, policy, now))), default=None)


def next_escalation_at(view: ReferralView, policy: Policy) -> datetime | None:
    """When the deadline watcher must look at this referral next: its earliest rung; None while
    no clock runs."""
    return min((r.at for r in ladder(view, policy)), default=None)


def rung_id(view: ReferralView, rung: Rung) -> UUID:
    return derived_id(view.referral_id, "escalation", *rung.identity)


def escalation_event(view: ReferralView, rung: Rung, now: datetime) -> EscalationRaisedV2:
    late = rung.deadline is not None and rung.step in MISSED_DEADLINE_STEPS  # others are not about lateness
    overdue = max(0, int((now - rung.deadline).total_seconds())) if late else 0
    return EscalationRaisedV2.create(
        event_id=rung_id(view, rung), referral_id=view.referral_id, correlation_id=view.correlation_id,
        actor=TRACKING, occurred_at=now,
        data=EscalationV2(step=rung.step, agency_id=rung.agency_id, role=rung.role, deadline=rung.deadline,
                          overdue_seconds=overdue, tier=view.tier, client_reference=view.client_reference,
                          failed_attempts=rung.failed_attempts, action=rung.action, guidance=rung.guidance,
                          held_as=rung.held_as),
    )
