"""The referral's state as the read side sees it (`referral.changed`): what the fold decided, with
no timeline and no personal data. Pure. Published whenever the fold's result changes, under an id
derived from the referral and the number of events folded, so a repeat is recognised downstream."""

from __future__ import annotations

from referral_contracts import derived_id
from referral_contracts.changes import ClosureFacts, FollowThroughFacts, Holder, ReferralChanged, ReferralState, Rung

from tracking.lifecycle.model import TRACKING
from tracking.lifecycle.model import ReferralView


def state_of(view: ReferralView) -> ReferralState:
    copied = view.model_dump(include={
        "state", "source_agency_id", "client_reference", "service_type", "tier", "lead_agency_id",
        "pending_lead_agency_id", "owner", "warm_handoff", "risk_flagged", "submitted_at", "triaged_at",
        "acknowledged_at", "accepted_at", "clock_started_at", "contact_deadline", "review_deadline",
        "first_contact_at", "last_contact_attempt_at", "contact_attempts", "appointments_scheduled",
        "appointments_missed", "redirects", "missing_information", "linked_to", "outcome_unknown_since",
        "last_activity_at"})
    follow = view.follow_through
    return ReferralState(
        **copied, version=view.events_applied,
        accountable=[Holder(agency_id=a.agency_id, role=a.role, person=a.person) for a in view.accountable],
        closure=ClosureFacts(**view.closure.model_dump()) if view.closure else None,
        escalations=[Rung(event_id=e.event_id, step=e.step, at=e.at, agency_id=e.agency_id, role=e.role,
                          deadline=e.deadline, overdue_seconds=e.overdue_seconds, failed_attempts=e.failed_attempts,
                          action=e.action, reason_text=e.explanation.reason_text if e.explanation else None,
                          explained_at=e.explanation.at if e.explanation else None) for e in view.escalations],
        follow_through=FollowThroughFacts(
            consult_completed_at=follow.consult_completed_at, consult_by=follow.consult_by,
            plan_updated_at=follow.plan_updated_at, staff_briefed_at=follow.staff_briefed_at,
            next_step=follow.next_step) if follow else None,
    )


def state_changed(view: ReferralView) -> ReferralChanged:
    return ReferralChanged.create(
        event_id=derived_id(view.referral_id, "changed", view.events_applied), referral_id=view.referral_id,
        correlation_id=view.correlation_id, actor=TRACKING, occurred_at=view.last_activity_at,
        data=state_of(view))
