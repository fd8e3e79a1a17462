"""Tracking's MongoDB store against the real store (local server, a container, or MONGODB_URL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from referral_contracts import ClosureOutcome, topics
from referral_contracts.policy import load_policy
from tracking.lifecycle.store import MongoReferralStore, connect
from tracking.deadlines.ladders import next_due_at
from tracking.lifecycle.fold import fold
from tracking.lifecycle.model import State
from tracking.deadlines.sweeps import fire_due_escalations, flag_unknown_outcomes
from tracking.lifecycle.service import apply_event

from event_factories import at, closed_loop, milestone, submitted, triaged
from recording_bus import RecordingBus

pytestmark = pytest.mark.integration
POLICY = load_policy(Path(__file__).resolve().parents[2] / "deploy" / "demo" / "policy.yaml")


@pytest.fixture
async def store(mongodb_url: str):
    client = connect(mongodb_url)
    database = client[f"tracking_test_{uuid4().hex[:8]}"]
    store = MongoReferralStore(database)
    await store.ensure_indexes()
    yield store
    await client.drop_database(database.name)
    await client.close()


async def test_an_event_is_stored_once(store: MongoReferralStore) -> None:
    event = closed_loop()[0]
    assert await store.append_many([event]) == 1
    assert await store.append_many([event]) == 0
    assert await store.events_for(event.referral_id) == [event]


async def test_a_view_is_only_replaced_by_one_that_folds_more_events(store: MongoReferralStore) -> None:
    events = closed_loop()
    newer, older = fold(events), fold(events[:3])
    await store.save_views([newer])
    await store.save_views([older])
    assert await store.view(newer.referral_id) == newer


async def test_redelivered_and_out_of_order_events_close_the_loop_once(store: MongoReferralStore) -> None:
    events = closed_loop()
    bus = RecordingBus()
    for event in [*reversed(events), *events]:  # worst order first, then every event again
        await apply_event(event, store=store, bus=bus)
    view = await store.view(events[0].referral_id)
    assert view.state is State.CLOSED and view.events_applied == len(events)
    shared = [topic for topic, _ in bus.published if topic.startswith("referral.") and topic != "referral.changes.v1"]
    assert shared == ["referral.closed.v1"]
    published = [message.event_id for _, message in bus.published]
    assert len(published) == len(set(published)), "each message once"
    [closure] = [m for t, m in bus.published if t == "referral.closed.v1"]
    assert closure.data.client_reference == "GPN-2026-0001"
    states = [m.data for t, m in bus.published if t == "referral.changes.v1"]
    assert states[-1].version == len(events) and states[-1].state == "closed", "the read side hears the last state"


async def test_the_same_person_referred_again_to_the_same_service_is_linked_not_tracked_twice(
    store: MongoReferralStore,
) -> None:
    bus = RecordingBus()
    original = submitted()
    again = submitted(source_agency_id="ed-central", client_reference="ED-77", minute=5)
    other_service = submitted(service_type="housing_support", client_reference="GPN-9", minute=6)
    for event in (original, again, again, other_service):  # `again` redelivered
        await apply_event(event, store=store, bus=bus)
    duplicate = await store.view(again.referral_id)
    assert duplicate.state is State.LINKED and duplicate.linked_to == original.referral_id
    assert duplicate.closure.outcome is ClosureOutcome.LINKED and duplicate.accountable == []
    carrier = await store.view(original.referral_id)
    assert carrier.linked_referrals == [again.referral_id] and carrier.accountable, "the person's care goes on there"
    # The duplicate's loop ends like any other: its sender is told, on the shared topic and its own.
    [closed] = [m for t, m in bus.published if t == "referral.closed.v1"]
    assert (closed.referral_id, closed.schema_version) == (again.referral_id, 2)
    assert closed.data.outcome is ClosureOutcome.LINKED and closed.data.linked_to == original.referral_id
    [told] = [m for t, m in bus.published if t == topics.referrals_outbound("ed-central") and m.data.change == "closed"]
    assert told.data.outcome is ClosureOutcome.LINKED and told.data.linked_to == original.referral_id
    assert (await store.view(other_service.referral_id)).state is State.SUBMITTED
    # Once the original closes, the same person may be referred afresh.
    for event in closed_loop_after(original):
        await apply_event(event, store=store, bus=bus)
    fresh = submitted(client_reference="GPN-10", minute=90)
    await apply_event(fresh, store=store, bus=bus)
    assert (await store.view(fresh.referral_id)).state is State.SUBMITTED


async def test_a_quiet_open_referral_is_flagged_once_and_activity_clears_the_flag(store: MongoReferralStore) -> None:
    bus = RecordingBus()
    first = submitted()
    await apply_event(first, store=store, bus=bus)
    await apply_event(triaged(first), store=store, bus=bus)
    early = await flag_unknown_outcomes(store=store, bus=bus, now=at(60 * 24 * 13), after_days=14)
    late = await flag_unknown_outcomes(store=store, bus=bus, now=at(60 * 24 * 15), after_days=14)
    again = await flag_unknown_outcomes(store=store, bus=bus, now=at(60 * 24 * 16), after_days=14)
    assert (early, late, again) == (0, 1, 0)
    assert (await store.view(first.referral_id)).outcome_unknown_since == at(60 * 24 * 15)
    await apply_event(milestone(first.referral_id, "acknowledged", 60 * 24 * 17), store=store, bus=bus)
    assert (await store.view(first.referral_id)).outcome_unknown_since is None


def closed_loop_after(first):
    rid = first.referral_id
    return [triaged(first), milestone(rid, "accepted", 10), milestone(rid, "engaged", 30)]


async def test_two_watchers_sweeping_at_once_fire_and_publish_each_rung_once(mongodb_url: str) -> None:
    client = connect(mongodb_url)
    database = client[f"tracking_test_{uuid4().hex[:8]}"]
    replicas = [MongoReferralStore(database, next_due=lambda v: next_due_at(v, POLICY)) for _ in range(2)]
    await replicas[0].ensure_indexes()
    bus = RecordingBus()
    first = submitted()
    for event in (first, triaged(first)):
        await apply_event(event, store=replicas[0], bus=bus)
    breach_time = at(60 * 24 * 15)  # past the deadline (14 days) and the partnership rung
    counts = await asyncio.gather(*(fire_due_escalations(store=s, bus=bus, policy=POLICY, now=breach_time)
                                    for s in replicas))
    view = await replicas[1].view(first.referral_id)
    assert sorted(e.step.value for e in view.escalations) == ["breach", "partnership", "reminder"]
    assert sorted(counts) == [0, 3]  # one replica held the lease and fired all three
    sent = [e.event_id for topic, e in bus.published if topic == "referral.escalations.v1"]
    assert len(sent) == 3 == len(set(sent))
    assert await fire_due_escalations(store=replicas[0], bus=bus, policy=POLICY, now=breach_time) == 0
    await client.drop_database(database.name)
    await client.close()


async def test_a_lease_left_by_a_crashed_writer_expires(store: MongoReferralStore) -> None:
    ids, crashed, other = [uuid4(), uuid4()], uuid4(), uuid4()
    t = at(0)
    assert await store.take_leases(ids, crashed, t, seconds=15) == ids  # then the writer dies
    assert await store.take_leases(ids, other, t + timedelta(seconds=14), seconds=15) == []
    assert await store.take_leases([*ids, fresh := uuid4()], other, t + timedelta(seconds=14), seconds=15) == [fresh]
    assert await store.take_leases(ids, other, t + timedelta(seconds=15), seconds=15) == ids  # expired: taken over
    await store.release_leases(ids, crashed)  # the crashed writer's late release gives back nothing
    assert await store.take_leases(ids, uuid4(), t + timedelta(seconds=16), seconds=15) == []
    await store.release_leases(ids, other)
    assert await store.take_leases(ids, uuid4(), t + timedelta(seconds=16), seconds=15) == ids
