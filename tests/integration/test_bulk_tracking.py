"""Tracking's bulk paths against the real store: what replay and the deadline watcher write in
bulk equals what the one-at-a-time path writes, and the watcher wakes when a rung falls due."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from referral_contracts import AcuityTier, EscalationRaised, utc_now
from tracking.deadlines.ladders import next_escalation_at
from tracking.deadlines.sweeps import fire_due_escalations
from tracking.deadlines.watcher import DeadlineWatcher
from tracking.lifecycle.fold import fold
from tracking.lifecycle.ports import Tracking
from tracking.lifecycle.service import apply_event, save_views

from event_factories import at, closed_loop, submitted, triaged
from factories import person_payload
from tracking_world import POLICY, tracking_on, view_of

pytestmark = pytest.mark.integration


async def test_bulk_writes_store_each_event_once_and_keep_the_newest_view(tracking: Tracking) -> None:
    log = tracking.stores.log
    loops = [closed_loop() for _ in range(3)]
    events = [event for loop in loops for event in loop]
    assert await log.append(events[:4]) == 4
    assert await log.append(events) == len(events) - 4  # a redelivery is not stored twice
    logs = await log.of([loop[0].referral_id for loop in loops])
    assert [logs[loop[0].referral_id] for loop in loops] == loops
    await save_views([fold(loop) for loop in loops], tracking)
    await save_views([fold(loop[:2]) for loop in loops], tracking)  # older views never replace newer ones
    for loop in loops:
        assert await view_of(tracking, loop[0].referral_id) == fold(loop)


async def test_the_bulk_sweep_fires_what_the_one_at_a_time_path_would_and_publishes_it_once(tracking: Tracking) -> None:
    firsts = [submitted(person=person_payload(identifier=f"P-{n}")) for n in range(5)]  # five people
    for first in firsts:
        for event in (first, triaged(first)):
            await apply_event(event, tracking)
    breach_time = at(60 * 24 * 15)  # past each deadline and its partnership rung
    assert await fire_due_escalations(tracking, now=breach_time) == 15
    assert await fire_due_escalations(tracking, now=breach_time) == 0
    raised = tracking.bus.of_type(EscalationRaised)
    assert len(raised) == 15 == len({e.event_id for e in raised})
    for first in firsts:
        view = await view_of(tracking, first.referral_id)
        assert sorted(e.step.value for e in view.escalations) == ["breach", "partnership", "reminder"]
        published = (await tracking.stores.published.of([first.referral_id]))[first.referral_id]
        assert published >= {e.event_id for e in raised if e.referral_id == first.referral_id}


async def test_the_next_escalation_time_is_read_from_a_window_on_the_index(tracking: Tracking) -> None:
    first = submitted()
    for event in (first, triaged(first)):
        await apply_event(event, tracking)
    due = next_escalation_at(await view_of(tracking, first.referral_id), POLICY)
    assert await tracking.stores.views.escalations_before(due - timedelta(seconds=1)) == []
    assert await tracking.stores.views.escalations_before(due + timedelta(days=30)) == [(first.referral_id, due)]


async def test_the_watcher_wakes_for_a_rung_due_sooner_than_it_planned_to_look(mongodb_url: str) -> None:
    watcher = DeadlineWatcher(longest_sleep=3600)  # it would sleep an hour
    async with tracking_on(mongodb_url, escalation_stored=watcher.due_at) as tracking:
        task = asyncio.create_task(watcher.run_forever(tracking))
        try:
            await asyncio.sleep(0.5)  # nothing due: it sleeps
            first = submitted()  # months ago: its rungs are due at once; urgent work keeps no office hours
            for event in (first, triaged(first, tier=AcuityTier.URGENT)):
                await apply_event(event, tracking)
            async with asyncio.timeout(30):
                while not tracking.bus.of_type(EscalationRaised):
                    await asyncio.sleep(0.1)
        finally:
            task.cancel()
        assert {e.referral_id for e in tracking.bus.of_type(EscalationRaised)} == {first.referral_id}


async def test_the_watcher_fires_a_rung_another_replica_stored_when_it_falls_due_and_not_before(
        mongodb_url: str) -> None:
    watcher = DeadlineWatcher(longest_sleep=3600)
    async with tracking_on(mongodb_url) as tracking:  # nothing tells this watcher of the view: another replica stored it
        first = submitted()  # months ago and urgent: its rungs are due whenever the watcher looks
        events = [first, triaged(first, tier=AcuityTier.URGENT)]
        await tracking.stores.log.append(events)
        soon = utc_now() + timedelta(seconds=3)
        await tracking.stores.views.save([(fold(events), soon)])  # as stored, it falls due in 3 s
        task = asyncio.create_task(watcher.run_forever(tracking))
        try:
            await asyncio.sleep(1)
            assert not tracking.bus.of_type(EscalationRaised), "fired before its stored time"
            async with asyncio.timeout(30):
                while not tracking.bus.of_type(EscalationRaised):
                    await asyncio.sleep(0.1)
        finally:
            task.cancel()
        assert min(e.occurred_at for e in tracking.bus.of_type(EscalationRaised)) >= soon
