"""How triage's decisions and the sender's revisions move a referral."""

from __future__ import annotations

from referral_contracts import ReferralSubmitted, ReferralTriaged, TriageOutcome

from tracking.lifecycle.accountability import hand_over, lead, sender, with_warm_handoff
from tracking.lifecycle.model import OPEN_STATES, Accountable, ReferralView, Role, State, WITH_LEAD
from tracking.lifecycle.refusal import Refused

_ROUTED = WITH_LEAD | {State.UNASSIGNED}


def revise(view: ReferralView, event: ReferralSubmitted) -> ReferralView:
    """The sender sent the referral again with new content: a clarification, or an update."""
    if view.state not in OPEN_STATES:
        raise Refused(f"referral is {view.state.value}; a revision cannot reopen it")
    changed = view.model_copy(update={
        "revision": view.revision + 1, "latest_submission": event.event_id, "consent": event.data.consent,
        "risk_flagged": bool(event.data.risk_flags),
    })
    if view.state is State.AWAITING_CLARIFICATION:
        # Back to triage with the new information; the sender holds it until triage decides.
        changed = changed.model_copy(update={"state": State.SUBMITTED})
        return hand_over(changed, [sender(view, event.actor.person)], event.occurred_at)
    return changed


def apply(view: ReferralView, event: ReferralTriaged) -> ReferralView:
    decision = event.data
    if decision.reroute_of is not None:
        return _rerouted(view, event)
    if event.causation_id != view.latest_submission:
        raise Refused("decision for an earlier revision of the referral; a newer one is being triaged")
    info = {"missing_information": decision.missing_information, "clarification_due": decision.clarification_due}
    if view.state in _ROUTED:
        # A revision of a referral that already has a lead: only the information check counts.
        return view.model_copy(update=info)
    if view.state is not State.SUBMITTED:
        raise Refused(f"cannot triage a referral in state {view.state.value}")
    changed = view.model_copy(update=info | {
        "tier": decision.tier, "contact_deadline": decision.contact_deadline,
        "review_deadline": decision.review_deadline, "triaged_at": event.occurred_at,
        "clock_started_at": decision.clock_started_at, "warm_handoff": decision.warm_handoff,
        "interim_safety_actions": decision.interim_safety_actions,
    })
    desk = Accountable(agency_id=event.actor.agency_id, role=Role.TRIAGE_DESK, person=event.actor.person)
    if decision.outcome is TriageOutcome.ASSIGNED:
        changed = changed.model_copy(update={"state": State.ASSIGNED, "lead_agency_id": decision.lead_agency_id})
        holders = with_warm_handoff(changed, [lead(decision.lead_agency_id)])
    elif decision.outcome is TriageOutcome.CLARIFICATION_NEEDED:
        changed = changed.model_copy(update={"state": State.AWAITING_CLARIFICATION})
        holders = [sender(view), desk]
    else:
        changed = changed.model_copy(update={"state": State.UNASSIGNED})
        holders = with_warm_handoff(changed, [desk])
    return hand_over(changed, holders, event.occurred_at)


def _rerouted(view: ReferralView, event: ReferralTriaged) -> ReferralView:
    """Triage answered a redirect: the next agency is offered the referral. The current holders
    stay accountable until it accepts, so responsibility never has a gap."""
    decision = event.data
    pending = view.pending_reroute
    if view.state is not State.REDIRECTING or pending is None or pending.reroute_id != decision.reroute_of:
        raise Refused(f"no redirect is waiting for this decision (state {view.state.value})")
    if decision.outcome is TriageOutcome.ASSIGNED:
        return view.model_copy(update={"pending_lead_agency_id": decision.lead_agency_id,
                                       "contact_deadline": decision.contact_deadline})
    desk = Accountable(agency_id=event.actor.agency_id, role=Role.TRIAGE_DESK, person=event.actor.person)
    holders = view.accountable if desk in view.accountable else [*view.accountable, desk]
    return hand_over(view.model_copy(update={"pending_lead_agency_id": None}), holders, event.occurred_at)


def describe(event: ReferralTriaged) -> str:
    d = event.data
    if d.outcome is TriageOutcome.CLARIFICATION_NEEDED:
        return f"clarification requested: {', '.join(d.missing_information)} (due {d.clarification_due})"
    where = f"lead {d.lead_agency_id}" if d.lead_agency_id else "no eligible agency"
    prefix = "rerouted" if d.reroute_of else f"triaged {d.tier.value}"
    return f"{prefix}: {where}, contact by {d.contact_deadline.isoformat()}"
