"""Tracking's bulk paths against the real store: what replay and the deadline watcher write in
bulk equals what the one-at-a-time path writes, and the watcher wakes when a rung falls due."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from referral_contracts import AcuityTier, EscalationRaised
from referral_contracts.policy import load_policy
from tracking.lifecycle.store import MongoReferralStore, connect
from tracking.deadlines.ladders import next_due_at
from tracking.lifecycle.fold import fold
from tracking.deadlines.watcher import DeadlineWatcher
from tracking.deadlines.sweeps import fire_due_escalations
from tracking.lifecycle.service import apply_event

from event_factories import at, closed_loop, submitted, triaged
from factories import person_payload
from recording_bus import RecordingBus

pytestmark = pytest.mark.integration
POLICY = load_policy(Path(__file__).resolve().parents[2] / "deploy" / "demo" / "policy.yaml")


@pytest.fixture
async def database(mongodb_url: str):
    client = connect(mongodb_url)
    database = client[f"tracking_test_{uuid4().hex[:8]}"]
    yield database
    await client.drop_database(database.name)
    await client.close()


def new_store(database, **hooks) -> MongoReferralStore:
    return MongoReferralStore(database, next_due=lambda view: next_due_at(view, POLICY), **hooks)


async def test_bulk_writes_store_each_event_once_and_keep_the_newest_view(database) -> None:
    store = new_store(database)
    await store.ensure_indexes()
    loops = [closed_loop() for _ in range(3)]
    events = [event for loop in loops for event in loop]
    assert await store.append_many(events[:4]) == 4
    assert await store.append_many(events) == len(events) - 4  # a redelivery is not stored twice
    logs = await store.events_for_many([loop[0].referral_id for loop in loops])
    assert [logs[loop[0].referral_id] for loop in loops] == loops
    await store.save_views([fold(loop) for loop in loops])
    await store.save_views([fold(loop[:2]) for loop in loops])  # older views never replace newer ones
    for loop in loops:
        assert await store.view(loop[0].referral_id) == fold(loop)


async def test_the_bulk_sweep_fires_what_the_one_at_a_time_path_would_and_publishes_it_once(database) -> None:
    store, bus = new_store(database), RecordingBus()
    await store.ensure_indexes()
    firsts = [submitted(person=person_payload(identifier=f"P-{n}")) for n in range(5)]  # five people
    for first in firsts:
        for event in (first, triaged(first)):
            await apply_event(event, store=store, bus=bus)
    breach_time = at(60 * 24 * 15)  # past each deadline and its partnership rung
    assert await fire_due_escalations(store=store, bus=bus, policy=POLICY, now=breach_time) == 15
    assert await fire_due_escalations(store=store, bus=bus, policy=POLICY, now=breach_time) == 0
    raised = bus.of_type(EscalationRaised)
    assert len(raised) == 15 == len({e.event_id for e in raised})
    for first in firsts:
        view = await store.view(first.referral_id)
        assert sorted(e.step.value for e in view.escalations) == ["breach", "partnership", "reminder"]
        published = (await store.published_many([first.referral_id]))[first.referral_id]
        assert published >= {e.event_id for e in raised if e.referral_id == first.referral_id}


async def test_the_next_due_time_is_read_from_a_window_on_the_index(database) -> None:
    store = new_store(database)
    await store.ensure_indexes()
    first = submitted()
    for event in (first, triaged(first)):
        await apply_event(event, store=store, bus=RecordingBus())
    due = next_due_at(await store.view(first.referral_id), POLICY)
    assert await store.next_escalation_before(due - timedelta(seconds=1)) is None
    assert await store.next_escalation_before(due + timedelta(days=30)) == due


async def test_the_watcher_wakes_for_a_rung_due_sooner_than_it_planned_to_look(database) -> None:
    bus = RecordingBus()
    watcher = DeadlineWatcher(bus=bus, policy=POLICY, longest_sleep=3600)  # it would sleep an hour
    store = new_store(database, on_next_due=watcher.due_at)
    await store.ensure_indexes()
    task = asyncio.create_task(watcher.run_forever(store))
    try:
        await asyncio.sleep(0.5)  # nothing due: it sleeps
        first = submitted()  # months ago: its rungs are due at once; urgent work keeps no office hours
        for event in (first, triaged(first, tier=AcuityTier.URGENT)):
            await apply_event(event, store=store, bus=bus)
        async with asyncio.timeout(30):
            while not bus.of_type(EscalationRaised):
                await asyncio.sleep(0.1)
    finally:
        task.cancel()
    assert {e.referral_id for e in bus.of_type(EscalationRaised)} == {first.referral_id}
