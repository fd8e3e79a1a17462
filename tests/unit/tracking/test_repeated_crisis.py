"""Repeated crises as tracking decides them (persons/crises.py): a referral's own urgent or crisis
triage counts, a reroute's answer does not; two or more in the window flag the referral once, in its
log and on `referral.flags.v1`, naming referrals only; the flag is no activity."""

from __future__ import annotations

from uuid import uuid4

from referral_contracts import AcuityTier, RepeatedCrisis, derived_id, topics
from tracking.outgoing.closure import outgoing
from tracking.persons.crises import is_crisis, repeated_crisis
from tracking.lifecycle.fold import fold, fold_with_steps

from event_factories import submitted, triaged


def test_only_a_referrals_own_urgent_or_crisis_triage_counts() -> None:
    first = submitted()
    assert is_crisis(triaged(first, tier=AcuityTier.URGENT)) and is_crisis(triaged(first, tier=AcuityTier.CRISIS_FOLLOW_UP))
    assert not is_crisis(triaged(first, tier=AcuityTier.PRIORITY))
    assert not is_crisis(triaged(first, tier=AcuityTier.URGENT, reroute_of=uuid4()))  # counted when first triaged


def test_a_second_crisis_flags_the_referral_once_naming_referrals_only() -> None:
    earlier, first = uuid4(), submitted()
    triage = triaged(first, tier=AcuityTier.URGENT)
    assert repeated_crisis(triage, [first.referral_id], 30) is None  # the person's first
    flag = repeated_crisis(triage, [earlier, first.referral_id], 30)
    assert flag.event_id == derived_id(first.referral_id, "repeated-crisis") == \
        repeated_crisis(triage, [earlier, first.referral_id, uuid4()], 30).event_id  # one per referral
    assert flag.data.crisis_referrals == [earlier, first.referral_id] and flag.data.within_days == 30
    assert "person" not in flag.data.model_dump() and flag.occurred_at == triage.occurred_at

    before = fold([first, triage])
    view, steps = fold_with_steps([first, triage, flag])
    assert view.state == before.state and view.last_activity_at == before.last_activity_at  # no activity
    assert view.timeline[-1].what.startswith("repeated crisis: 2 urgent or crisis referrals")
    assert (topics.REFERRAL_FLAGS, flag) in outgoing(view, [first, triage, flag], steps)
    assert isinstance(flag, RepeatedCrisis)
