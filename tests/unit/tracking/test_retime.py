"""Re-timing stored escalation times after the ladder or the policy changed (deadlines/retime.py),
on the in-memory doubles: a time stored by an earlier version is worked out again, a right one is
left alone, a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

from referral_contracts import AcuityTier
from referral_contracts.policy import load_policy
from tracking.deadlines.ladders import next_escalation_at
from tracking.deadlines.retime import retime
from tracking.lifecycle.fold import fold

from event_factories import milestone, submitted, triaged
from tracking_doubles import memory_tracking

POLICY = load_policy(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "policy.yaml")


async def test_a_time_an_earlier_version_did_not_store_is_worked_out_and_stored_once() -> None:
    tracking = memory_tracking(POLICY)
    held = submitted()
    unassigned = fold([held, triaged(held, tier=AcuityTier.URGENT, lead=None)])  # stored before its clock ran
    led = submitted()
    assigned = fold([led, triaged(led, tier=AcuityTier.URGENT)])
    done = submitted()
    closed = fold([done, triaged(done), milestone(done.referral_id, "withdrawn", 5, agency=done.data.source_agency_id)])
    await tracking.stores.views.save([(unassigned, None), (assigned, next_escalation_at(assigned, POLICY)),
                                      (closed, None)])
    first = await retime(tracking)
    assert (first.looked_at, first.changed) == (3, 1)
    times = {view.referral_id: when async for view, when in tracking.stores.views.every_view()}
    assert times[unassigned.referral_id] == next_escalation_at(unassigned, POLICY) is not None
    assert times[closed.referral_id] is None
    assert (await retime(tracking)).changed == 0


async def test_a_policy_with_an_earlier_reminder_moves_the_stored_time_earlier() -> None:
    tracking = memory_tracking(POLICY)
    led = submitted()
    view = fold([led, triaged(led, tier=AcuityTier.URGENT)])
    await tracking.stores.views.save([(view, next_escalation_at(view, POLICY))])
    sooner = POLICY.model_copy(update={"escalation": POLICY.escalation.model_copy(update={"reminder_at_fraction": 0.25})})
    edited = memory_tracking(sooner, stores=tracking.stores)
    assert (await retime(edited)).changed == 1
    [(_, when)] = [pair async for pair in tracking.stores.views.every_view()]
    assert when == next_escalation_at(view, sooner) < next_escalation_at(view, POLICY)
