"""A crisis referral for a person who had another within the policy's window raises a
`referral.repeated_crisis` flag (persons/crises.py), stored in the referral's log and published like
everything tracking owes: under the referral's lease, once (lifecycle/service.py)."""

from __future__ import annotations

from datetime import timedelta

from referral_contracts import ReferralTriaged, RepeatedCrisis

from tracking.lifecycle.fold import first_submission
from tracking.lifecycle.model import ReferralView
from tracking.lifecycle.ports import Tracking
from tracking.lifecycle.service import apply_events
from tracking.persons.crises import is_crisis, repeated_crisis
from tracking.persons.duplicates import person_key


async def note_crisis(triage: ReferralTriaged, view: ReferralView | None, tracking: Tracking) -> RepeatedCrisis | None:
    """Remember a crisis referral for its person; with another within the policy's window, flag it."""
    if view is None or not is_crisis(triage):
        return None
    crises, within_days = tracking.stores.crises, tracking.policy.issue_log.repeated_crisis_within_days
    log = (await tracking.stores.log.of([view.referral_id]))[view.referral_id]
    first = first_submission(log)
    person = person_key(first.data)
    await crises.remember(person, view.referral_id, view.submitted_at)
    linked = await crises.crises_of(person, since=view.submitted_at - timedelta(days=within_days))
    flag = repeated_crisis(triage, linked, within_days)
    if flag is not None:
        await apply_events([flag], tracking)
    return flag
