"""When each step of the loop first happened, kept on the view as plain fields, so oversight
aggregates them in the database (indexed, no walk through timelines)."""

from __future__ import annotations

from referral_contracts import MilestoneKind, MilestoneRecorded

from tracking.lifecycle.model import ReferralView, State


def stamped(before: ReferralView, after: ReferralView, event: MilestoneRecorded) -> ReferralView:
    """`after` (the view once `event` was applied to `before`) with its step times brought up to date."""
    at, kind = event.occurred_at, event.data.kind
    changes: dict = {}
    # Proof of receipt: the lead acknowledging, or accepting without acknowledging first.
    receipt = kind in (MilestoneKind.ACKNOWLEDGED, MilestoneKind.ACCEPTED) and event.actor.agency_id == after.lead_agency_id
    if receipt and after.acknowledged_at is None:
        changes["acknowledged_at"] = at
    if kind is MilestoneKind.ACCEPTED and after.state is State.ACCEPTED and after.accepted_at is None:
        changes["accepted_at"] = at
    if kind is MilestoneKind.CONTACT_ATTEMPTED:
        changes["last_contact_attempt_at"] = at
        if after.first_contact_at is None:
            changes["first_contact_at"] = at
    if kind is MilestoneKind.APPOINTMENT_SCHEDULED:
        changes["appointments_scheduled"] = after.appointments_scheduled + 1
    if kind is MilestoneKind.REDIRECT_REQUESTED and before.state is not State.REDIRECTING:
        changes["redirects"] = after.redirects + 1
    return after.model_copy(update=changes) if changes else after
