"""Which agency may record which milestone, in which state, and what it changes.

Each rule raises Refused naming the current state when the milestone may not happen now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from referral_contracts import ClosureOutcome, ContactOutcome, EscalationStep, MilestoneKind, MilestoneRecorded, derived_id

from tracking.lifecycle.accountability import hand_over, lead, with_warm_handoff
from tracking.lifecycle.model import OWNED, WITH_LEAD, BreachExplanation, FollowThrough, LoopClosure, PendingReroute, ReferralView, Role, State
from tracking.lifecycle.refusal import Refused

Rule = Callable[[ReferralView, MilestoneRecorded], ReferralView]
DESK_MAY_TAKE = frozenset({State.UNASSIGNED, State.REDIRECTING})  # the states in which the desk may hold it
AFTER_CLOSURE = frozenset({MilestoneKind.CONSENT_CHANGED, MilestoneKind.BREACH_EXPLAINED,
                           MilestoneKind.CONSULT_COMPLETED, MilestoneKind.PLAN_UPDATED, MilestoneKind.STAFF_BRIEFED})


def apply(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
    kind = event.data.kind
    if not view.is_open and kind not in AFTER_CLOSURE:
        why = f" ({view.closure.outcome.value})" if view.closure else ""
        raise Refused(f"referral is {view.state.value}{why}; nothing more can be recorded")
    return _RULES[kind](view, event)


def _by_lead(view: ReferralView, event: MilestoneRecorded, states: frozenset[State]) -> None:
    kind = event.data.kind.value
    if view.state not in states:
        raise Refused(f"{kind} is not allowed in state {view.state.value}")
    if event.actor.agency_id != view.lead_agency_id:
        raise Refused(f"{event.actor.agency_id} is not the accountable lead agency (state {view.state.value})")


def desk_holds(view: ReferralView, agency_id: str) -> bool:
    """The triage desk holds the referral (no lead found, or none left after redirects): it may then
    acknowledge it, take it itself, name a lead (a redirect naming the agency) or escalate it."""
    return any(a.role is Role.TRIAGE_DESK and a.agency_id == agency_id for a in view.accountable)


def _acknowledged(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
    if view.state is State.REDIRECTING and event.actor.agency_id == view.pending_lead_agency_id:
        return view  # the next agency confirms receipt; it is not accountable until it accepts
    if desk_holds(view, event.actor.agency_id):
        return view  # the desk confirms it has the referral; it already holds it
    _by_lead(view, event, WITH_LEAD)
    return view.model_copy(update={"state": State.ACKNOWLEDGED}) if view.state is State.ASSIGNED else view


def _accepted(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
    owner, agency, at = event.data.owner, event.actor.agency_id, event.occurred_at
    if view.state is State.REDIRECTING and view.pending_lead_agency_id and agency == view.pending_lead_agency_id:
        # The next agency accepts: only now does accountability move away from the current lead.
        return _new_lead(view, agency, owner, at)
    if view.state in DESK_MAY_TAKE and desk_holds(view, agency):
        # No wrong door: with no lead (or none left), the desk takes the referral itself, as its lead,
        # with a named owner; an offer to another agency not yet accepted lapses.
        return _new_lead(view, agency, owner, at)
    if view.state in OWNED:
        raise Refused(f"already accepted by {view.owner} (state {view.state.value})")
    _by_lead(view, event, frozenset({State.ASSIGNED, State.ACKNOWLEDGED}))
    changed = view.model_copy(update={"state": State.ACCEPTED, "owner": owner})
    return hand_over(changed, with_warm_handoff(changed, [lead(agency, owner)]), at)


def _new_lead(view: ReferralView, agency: str, owner: str | None, at: datetime) -> ReferralView:
    """`agency` becomes the lead with a named owner; the lead before it (if any) joins the earlier
    leads. The holders until now stay accountable until this very moment: no gap."""
    earlier = [*view.previous_leads, view.lead_agency_id] if view.lead_agency_id else view.previous_leads
    changed = view.model_copy(update={
        "state": State.ACCEPTED, "lead_agency_id": agency, "owner": owner, "pending_lead_agency_id": None,
        "pending_reroute": None, "previous_leads": earlier,
        "failed_contact_attempts": 0, "last_failed_contact_at": None,  # the new lead starts afresh
    })
    return hand_over(changed, with_warm_handoff(changed, [lead(agency, owner)]), at)


def _require_owner(view: ReferralView, event: MilestoneRecorded, states: frozenset[State] = OWNED) -> None:
    if view.state in {State.ASSIGNED, State.ACKNOWLEDGED} and event.actor.agency_id == view.lead_agency_id:
        raise Refused(f"{event.data.kind.value} before the referral was accepted by a named owner "
                      f"(state {view.state.value})")
    _by_lead(view, event, states)


def _owned_step(next_state: State, states: frozenset[State] = OWNED) -> Rule:
    def rule(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
        _require_owner(view, event, states)
        changes: dict = {"state": next_state}
        if event.data.kind is MilestoneKind.CONTACT_ATTEMPTED:
            changes["contact_attempts"] = view.contact_attempts + 1
            if event.data.outcome is ContactOutcome.REACHED:
                changes["failed_contact_attempts"] = 0
            else:
                changes["failed_contact_attempts"] = view.failed_contact_attempts + 1
                changes["last_failed_contact_at"] = event.occurred_at
                if view.failed_contact_attempts == 0:  # the first failure of a new run
                    changes["failed_contact_run"] = view.failed_contact_run + 1
            if view.state is State.APPOINTMENT_SCHEDULED:
                changes.pop("state")  # a call about the booked appointment does not unbook it
        if event.data.kind is MilestoneKind.APPOINTMENT_MISSED:
            changes["appointments_missed"] = view.appointments_missed + 1
        return view.model_copy(update=changes)

    return rule


def _closing(outcome: ClosureOutcome, reason_field: str | None, who: str) -> Rule:
    def rule(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
        agency = event.actor.agency_id
        if who == "lead":
            _require_owner(view, event)
        elif who == "sender" and agency != view.source_agency_id:
            raise Refused(f"only the sending agency {view.source_agency_id} may withdraw (state {view.state.value})")
        elif who == "accountable" and agency not in {a.agency_id for a in view.accountable}:
            raise Refused(f"{agency} is not accountable for this referral (state {view.state.value})")
        reason = getattr(event.data, reason_field) if reason_field else None
        closure = LoopClosure(outcome=outcome, closed_at=event.data.occurred_at or event.occurred_at,
                              closing_agency_id=agency, reason_code=reason.value if reason else None)
        closed = view.model_copy(update={"state": State.CLOSED, "closure": closure, "pending_reroute": None,
                                         "pending_lead_agency_id": None})
        return hand_over(closed, [], event.occurred_at)

    return rule


def _redirect_requested(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
    agency = event.actor.agency_id
    lead_asks = agency == view.lead_agency_id and view.state in WITH_LEAD - {State.REDIRECTING}
    # The desk asks triage to route it again, or names the lead itself (`suggested_agency_id`:
    # triage assigns the desk's choice, even outside the directory's usual match), also after an
    # offer to another agency went unanswered.
    desk_asks = desk_holds(view, agency) and view.state in DESK_MAY_TAKE
    if not (lead_asks or desk_asks):
        raise Refused(f"{agency} may not redirect this referral now (state {view.state.value})")
    m = event.data
    excluded = [*view.previous_leads, *([view.lead_agency_id] if view.lead_agency_id else [])]
    pending = PendingReroute(requested_by_event=event.event_id, reroute_id=derived_id(event.event_id, "reroute"),
                             requested_at=event.occurred_at,
                             reason=m.redirect_reason, reason_text=m.reason_text,
                             suggested_agency_id=m.suggested_agency_id, excluded_agencies=excluded,
                             requested_by=event.actor)
    return view.model_copy(update={"state": State.REDIRECTING, "pending_reroute": pending,
                                   "pending_lead_agency_id": None})


def _breach_explained(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
    """Recorded even after closure: the reason is often given at the next review."""
    m, agency = event.data, event.actor.agency_id
    record = next((e for e in view.escalations if e.event_id == m.explains_escalation_id), None)
    if record is None or record.step not in (EscalationStep.BREACH, EscalationStep.REVIEW_OVERDUE):
        raise Refused(f"no missed deadline {m.explains_escalation_id} on this referral to explain")
    if agency != record.agency_id:
        raise Refused(f"the breach is {record.agency_id}'s to explain, not {agency}'s")
    if record.explanation is not None:
        raise Refused(f"already explained by {record.explanation.person or record.explanation.agency_id}")
    explained = record.model_copy(update={"explanation": BreachExplanation(
        reason_text=m.reason_text or "", agency_id=agency, person=event.actor.person, at=event.occurred_at)})
    return view.model_copy(update={"escalations": [explained if e is record else e for e in view.escalations]})


def _follow_through(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
    """Consult (by the lead), then plan update and staff briefing (by the sender), in that order,
    once the loop closed with engagement."""
    kind, agency, m, at = event.data.kind, event.actor.agency_id, event.data, event.occurred_at
    if view.closure is None or view.closure.outcome is not ClosureOutcome.ENGAGED:
        raise Refused(f"{kind.value} follows engagement (state {view.state.value})")
    done = view.follow_through
    if kind is MilestoneKind.CONSULT_COMPLETED:
        if agency != view.lead_agency_id:
            raise Refused(f"the consult is {view.lead_agency_id}'s to record, not {agency}'s")
        if done is not None:
            raise Refused("consult already recorded")
        return view.model_copy(update={"follow_through": FollowThrough(consult_completed_at=at, consult_by=agency)})
    if agency != view.source_agency_id:
        raise Refused(f"the plan is {view.source_agency_id}'s to update and brief, not {agency}'s")
    expected = done.next_step if done else "consult"
    wanted = "plan_update" if kind is MilestoneKind.PLAN_UPDATED else "staff_briefing"
    if done is None or expected != wanted:
        raise Refused(f"{kind.value} out of order: next is {expected or 'nothing (follow-through complete)'}")
    if kind is MilestoneKind.PLAN_UPDATED:
        changed = done.model_copy(update={"plan_updated_at": at, "plan_today": m.plan_today,
                                          "plan_two_weeks": m.plan_two_weeks, "needs_partner_input": m.needs_partner_input})
    else:
        changed = done.model_copy(update={"staff_briefed_at": at})
    return view.model_copy(update={"follow_through": changed})


def _consent_changed(view: ReferralView, event: MilestoneRecorded) -> ReferralView:
    if event.actor.agency_id not in view.involved_agencies():
        raise Refused(f"{event.actor.agency_id} has no part in this referral (state {view.state.value})")
    return view.model_copy(update={"consent": event.data.consent})


_RULES: dict[MilestoneKind, Rule] = {
    MilestoneKind.ACKNOWLEDGED: _acknowledged,
    MilestoneKind.ACCEPTED: _accepted,
    MilestoneKind.CONTACT_ATTEMPTED: _owned_step(State.CONTACT_ATTEMPTED),
    MilestoneKind.APPOINTMENT_SCHEDULED: _owned_step(State.APPOINTMENT_SCHEDULED),
    MilestoneKind.APPOINTMENT_MISSED: _owned_step(State.CONTACT_ATTEMPTED, frozenset({State.APPOINTMENT_SCHEDULED})),
    MilestoneKind.APPOINTMENT_CANCELLED: _owned_step(State.CONTACT_ATTEMPTED, frozenset({State.APPOINTMENT_SCHEDULED})),
    MilestoneKind.ENGAGED: _closing(ClosureOutcome.ENGAGED, None, "lead"),
    MilestoneKind.DECLINED: _closing(ClosureOutcome.DECLINED, "decline_reason", "lead"),
    MilestoneKind.ESCALATED: _closing(ClosureOutcome.ESCALATED, "escalation_pathway", "accountable"),
    MilestoneKind.WITHDRAWN: _closing(ClosureOutcome.WITHDRAWN, "withdrawal_reason", "sender"),
    MilestoneKind.REDIRECT_REQUESTED: _redirect_requested,
    MilestoneKind.CONSENT_CHANGED: _consent_changed,
    MilestoneKind.BREACH_EXPLAINED: _breach_explained,
    MilestoneKind.CONSULT_COMPLETED: _follow_through,
    MilestoneKind.PLAN_UPDATED: _follow_through,
    MilestoneKind.STAFF_BRIEFED: _follow_through,
}


def describe(event: MilestoneRecorded) -> str:
    m = event.data
    details = {
        MilestoneKind.ACCEPTED: f"owner {m.owner}",
        MilestoneKind.CONTACT_ATTEMPTED: f"#{m.attempt_number} by {m.channel.value if m.channel else '?'}: "
                                         f"{m.outcome.value if m.outcome else '?'}",
        MilestoneKind.DECLINED: m.decline_reason.value if m.decline_reason else "",
        MilestoneKind.REDIRECT_REQUESTED: m.redirect_reason.value if m.redirect_reason else "",
        MilestoneKind.ESCALATED: f"{m.escalation_pathway.value if m.escalation_pathway else ''} pathway, "
                                 f"owner {m.owner} at {m.escalated_to_agency_id}",
        MilestoneKind.WITHDRAWN: m.withdrawal_reason.value if m.withdrawal_reason else "",
        MilestoneKind.CONSENT_CHANGED: f"consent {m.consent.status.value}" if m.consent else "",
        MilestoneKind.BREACH_EXPLAINED: f"for escalation {m.explains_escalation_id}: {m.reason_text}",
    }.get(m.kind, "")
    label = m.kind.value.replace("_", " ")
    return f"{label} ({details})" if details else label
