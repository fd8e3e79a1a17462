"""The closure message for the originating agency, built from a closed referral."""

from __future__ import annotations

from referral_contracts import Actor, Closure, ReferralClosed, derived_id

from .model import ReferralView


def closure_message(view: ReferralView) -> ReferralClosed | None:
    """None while the loop is open. The id is derived, so rebuilding it never makes a second one."""
    if view.closure is None:
        return None
    return ReferralClosed.create(
        event_id=derived_id(view.referral_id, "closed"),
        referral_id=view.referral_id,
        correlation_id=view.correlation_id,
        actor=Actor(agency_id=view.closure.closing_agency_id),
        occurred_at=view.closure.closed_at,
        data=Closure(
            outcome=view.closure.outcome,
            source_agency_id=view.source_agency_id,
            closing_agency_id=view.closure.closing_agency_id,
            closed_at=view.closure.closed_at,
            client_reference=view.client_reference,
        ),
    )
