"""What each agency with a part in a referral hears on its own outbound topic, derived from the
steps of the fold. Pure: the steps come in, the updates go out.

Who hears what:
- the sender: every change (clarification requested, triaged, acknowledged, accepted, redirect
  requested, redirected, escalated, closed);
- the lead agency, and the one a referral is redirected to: the changes of their time with it,
  starting when triage names them;
- a lead the referral moves away from: the redirect, and its acceptance by the next agency;
- whoever acted: its own change back, as the confirmation of what it sent.
Minimum necessary: references, roles, owners' names and times, never the person's details; the
closure's outcome only where consent lets that agency know it (`consent.may_share`, the same rule
as the closure e-mail). Each update's id derives from its cause and its reader, so saying it again
is recognised downstream as the same message.
"""

from __future__ import annotations

from referral_contracts import (
    DataCategory,
    MilestoneKind,
    MilestoneRecorded,
    ReferralTriaged,
    derived_id,
    may_share,
    topics,
)
from referral_contracts.outbound import Change, Part, ReferralUpdate, Update

from tracking.lifecycle.fold import Step
from tracking.lifecycle.model import ReferralView, State

_TOLD_MILESTONES = {
    MilestoneKind.ACKNOWLEDGED: Change.ACKNOWLEDGED,
    MilestoneKind.ACCEPTED: Change.ACCEPTED,
    MilestoneKind.REDIRECT_REQUESTED: Change.REDIRECT_REQUESTED,
    MilestoneKind.ESCALATED: Change.ESCALATED,
}


def agency_updates(steps: list[Step]) -> list[tuple[str, ReferralUpdate]]:
    """Every update the referral's steps call for, each with the reader's outbound topic."""
    updates: list[tuple[str, ReferralUpdate]] = []
    for step in steps:
        if step.refused:
            continue
        for change, readers, details in _changes(step):
            for agency, part in readers.items():
                updates.append((topics.referrals_outbound(agency), _update(step, change, agency, part, details)))
    return updates


def _changes(step: Step) -> list[tuple[Change, dict[str, Part], dict]]:
    event, before, after = step.event, step.before, step.after
    found: list[tuple[Change, dict[str, Part], dict]] = []
    if isinstance(event, ReferralTriaged):
        found += _triage_changes(event, before, after)
    elif isinstance(event, MilestoneRecorded) and event.data.kind in _TOLD_MILESTONES:
        m = event.data
        details = {"owner": m.owner, "redirect_reason": m.redirect_reason, "escalation_pathway": m.escalation_pathway,
                   "escalated_to_agency_id": m.escalated_to_agency_id}
        found.append((_TOLD_MILESTONES[m.kind], _readers(before, after, acted=event.actor.agency_id), details))
    if before.closure is None and after.closure is not None:
        found.append((Change.CLOSED, _readers(before, after, acted=after.closure.closing_agency_id), {}))
    return found


def _triage_changes(event: ReferralTriaged, before: ReferralView, after: ReferralView) -> list:
    decision, found = event.data, []
    if decision.missing_information and after.missing_information:
        found.append((Change.CLARIFICATION_REQUESTED, {after.source_agency_id: Part.SENDER}, {
            "missing_information": decision.missing_information, "clarification_due": decision.clarification_due}))
    if decision.reroute_of is not None:
        readers = _readers(before, after)
        if decision.lead_agency_id:  # offered it; the current lead stays the lead until it accepts
            readers.setdefault(decision.lead_agency_id, Part.LEAD)
        found.append((Change.REDIRECTED, readers, {"lead_agency_id": decision.lead_agency_id}))
    elif before.state is State.SUBMITTED and after.state in (State.ASSIGNED, State.UNASSIGNED):
        found.append((Change.TRIAGED, _readers(before, after), {}))
    return found


def _readers(before: ReferralView, after: ReferralView, acted: str | None = None) -> dict[str, Part]:
    """The sender, the lead before and after the step (one it moved away from is a previous lead),
    the agency a redirect is offered to, and whoever acted."""
    readers = {after.source_agency_id: Part.SENDER}
    for agency in (after.lead_agency_id, after.pending_lead_agency_id):
        if agency:
            readers.setdefault(agency, Part.LEAD)
    if before.lead_agency_id and before.lead_agency_id != after.lead_agency_id:
        readers.setdefault(before.lead_agency_id, Part.PREVIOUS_LEAD)
    if acted and acted in after.involved_agencies():
        readers.setdefault(acted, Part.LEAD)
    return readers


def _update(step: Step, change: Change, agency: str, part: Part, details: dict) -> ReferralUpdate:
    after, event = step.after, step.event
    update = {"change": change, "your_part": part, "tier": after.tier, "lead_agency_id": after.lead_agency_id,
              "contact_deadline": after.contact_deadline,
              "client_reference": after.client_reference if part is Part.SENDER else None}
    if change is Change.CLOSED and after.closure is not None:
        shared = may_share(after.consent, DataCategory.OUTCOME, agency)
        update |= {"closed_at": after.closure.closed_at, "outcome_withheld": not shared,
                   "outcome": after.closure.outcome if shared else None,
                   "reason_code": after.closure.reason_code if shared else None,
                   "linked_to": after.linked_to if shared else None}
    update |= {k: v for k, v in details.items() if v is not None}
    return ReferralUpdate.create(
        event_id=derived_id(after.referral_id, "update", event.event_id, change.value, agency),
        referral_id=after.referral_id, correlation_id=event.correlation_id, causation_id=event.event_id,
        actor=event.actor, occurred_at=event.occurred_at, data=Update(**update))
