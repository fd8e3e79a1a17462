"""Repeated crises (DOMAIN.md, "What oversight asks"; the partnership issue log): a second urgent or
crisis referral for the same person within the policy's window is flagged for the partnership's
issue log as `referral.repeated_crisis`. Pure.

Tracking holds the person, so it keeps the person's crisis history (hashed, persons/
crisis_history.py) and decides; the flag names referrals and the window only, so the read side
(the oversight service) raises the issue without ever learning who the person is.
"""

from __future__ import annotations

from uuid import UUID

from referral_contracts import TIME_CRITICAL_TIERS, CrisisRepeat, ReferralTriaged, RepeatedCrisis, derived_id

from tracking.lifecycle.model import TRACKING



def is_crisis(triage: ReferralTriaged) -> bool:
    """A referral's own triage (not a reroute's answer, which would count it twice) at an urgent or
    crisis follow-up tier."""
    return triage.data.reroute_of is None and triage.data.tier in TIME_CRITICAL_TIERS


def repeated_crisis(triage: ReferralTriaged, crises: list[UUID], within_days: int) -> RepeatedCrisis | None:
    """The flag for `triage`'s referral when the person's crisis referrals within the window
    (oldest first, this one among them) are two or more; None otherwise. One flag per referral:
    its id derives from the referral, so a redelivered triage raises nothing new."""
    if len(crises) < 2 or triage.referral_id not in crises:
        return None
    return RepeatedCrisis.create(
        event_id=derived_id(triage.referral_id, "repeated-crisis"), referral_id=triage.referral_id,
        correlation_id=triage.correlation_id, causation_id=triage.event_id, actor=TRACKING,
        occurred_at=triage.occurred_at, data=CrisisRepeat(crisis_referrals=crises, within_days=within_days))


def describe(flag: RepeatedCrisis) -> str:
    """The flag in the referral's timeline."""
    return (f"repeated crisis: {len(flag.data.crisis_referrals)} urgent or crisis referrals for the same person "
            f"within {flag.data.within_days} days, flagged for the partnership issue log")
