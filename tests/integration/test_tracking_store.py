"""Tracking's MongoDB adapters and service layer against the real store (local server, a
container, or MONGODB_URL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from referral_contracts import Actor, ClosureOutcome, Milestone, MilestoneKind, topics
from tracking.deadlines.sweeps import fire_due_escalations, flag_unknown_outcomes
from tracking.lifecycle.fold import fold
from tracking.lifecycle.model import State
from tracking.lifecycle.ports import Tracking
from tracking.lifecycle.record import UnknownReferral, record_milestone
from tracking.lifecycle.service import apply_event, save_views

from event_factories import at, closed_loop, milestone, submitted, triaged
from recording_bus import RecordingBus
from tracking_world import fresh_database, log_of, tracking_in, view_of

pytestmark = pytest.mark.integration


async def test_an_event_is_stored_once(tracking: Tracking) -> None:
    event = closed_loop()[0]
    assert await tracking.stores.log.append([event]) == 1
    assert await tracking.stores.log.append([event]) == 0
    assert await log_of(tracking, event.referral_id) == [event]


async def test_a_view_is_only_replaced_by_one_that_folds_more_events(tracking: Tracking) -> None:
    events = closed_loop()
    newer, older = fold(events), fold(events[:3])
    await save_views([newer], tracking)
    await save_views([older], tracking)
    assert await view_of(tracking, newer.referral_id) == newer


async def test_redelivered_and_out_of_order_events_close_the_loop_once(tracking: Tracking) -> None:
    events = closed_loop()
    for event in [*reversed(events), *events]:  # worst order first, then every event again
        await apply_event(event, tracking)
    view = await view_of(tracking, events[0].referral_id)
    assert view.state is State.CLOSED and view.events_applied == len(events)
    published = tracking.bus.published
    shared = [topic for topic, _ in published if topic.startswith("referral.") and topic != "referral.changes.v1"]
    assert shared == ["referral.closed.v1"]
    ids = [message.event_id for _, message in published]
    assert len(ids) == len(set(ids)), "each message once"
    [closure] = [m for t, m in published if t == "referral.closed.v1"]
    assert closure.data.client_reference == "GPN-2026-0001"
    states = [m.data for t, m in published if t == "referral.changes.v1"]
    assert states[-1].version == len(events) and states[-1].state == "closed", "the read side hears the last state"


async def test_the_same_person_referred_again_to_the_same_service_is_linked_not_tracked_twice(
    tracking: Tracking,
) -> None:
    original = submitted()
    again = submitted(source_agency_id="ed-central", client_reference="ED-77", minute=5)
    other_service = submitted(service_type="housing_support", client_reference="GPN-9", minute=6)
    for event in (original, again, again, other_service):  # `again` redelivered
        await apply_event(event, tracking)
    duplicate = await view_of(tracking, again.referral_id)
    assert duplicate.state is State.LINKED and duplicate.linked_to == original.referral_id
    assert duplicate.closure.outcome is ClosureOutcome.LINKED and duplicate.accountable == []
    carrier = await view_of(tracking, original.referral_id)
    assert carrier.linked_referrals == [again.referral_id] and carrier.accountable, "the person's care goes on there"
    # The duplicate's loop ends like any other: its sender is told, on the shared topic and its own.
    published = tracking.bus.published
    [closed] = [m for t, m in published if t == "referral.closed.v1"]
    assert (closed.referral_id, closed.schema_version) == (again.referral_id, 2)
    assert closed.data.outcome is ClosureOutcome.LINKED and closed.data.linked_to == original.referral_id
    [told] = [m for t, m in published if t == topics.referrals_outbound("ed-central") and m.data.change == "closed"]
    assert told.data.outcome is ClosureOutcome.LINKED and told.data.linked_to == original.referral_id
    assert (await view_of(tracking, other_service.referral_id)).state is State.SUBMITTED
    # Once the original closes, the same person may be referred afresh.
    for event in closed_loop_after(original):
        await apply_event(event, tracking)
    fresh = submitted(client_reference="GPN-10", minute=90)
    await apply_event(fresh, tracking)
    assert (await view_of(tracking, fresh.referral_id)).state is State.SUBMITTED


async def test_a_quiet_open_referral_is_flagged_once_and_activity_clears_the_flag(tracking: Tracking) -> None:
    assert tracking.policy.unknown_outcome_after_days == 14
    first = submitted()
    await apply_event(first, tracking)
    await apply_event(triaged(first), tracking)
    early = await flag_unknown_outcomes(tracking, now=at(60 * 24 * 13))
    late = await flag_unknown_outcomes(tracking, now=at(60 * 24 * 15))
    again = await flag_unknown_outcomes(tracking, now=at(60 * 24 * 16))
    assert (early, late, again) == (0, 1, 0)
    assert (await view_of(tracking, first.referral_id)).outcome_unknown_since == at(60 * 24 * 15)
    await apply_event(milestone(first.referral_id, "acknowledged", 60 * 24 * 17), tracking)
    assert (await view_of(tracking, first.referral_id)).outcome_unknown_since is None


def closed_loop_after(first):
    rid = first.referral_id
    return [triaged(first), milestone(rid, "accepted", 10), milestone(rid, "engaged", 30)]


async def test_two_watchers_sweeping_at_once_fire_and_publish_each_rung_once(mongodb_url: str) -> None:
    async with fresh_database(mongodb_url) as database:
        bus = RecordingBus()  # two replicas of tracking on one database, publishing to one bus
        replicas = [await tracking_in(database, bus=bus) for _ in range(2)]
        await two_replicas_fire_each_rung_once(replicas)


async def two_replicas_fire_each_rung_once(replicas: list[Tracking]) -> None:
    tracking = replicas[0]
    first = submitted()
    for event in (first, triaged(first)):
        await apply_event(event, tracking)
    breach_time = at(60 * 24 * 15)  # past the deadline (14 days) and the partnership rung
    counts = await asyncio.gather(*(fire_due_escalations(replica, now=breach_time) for replica in replicas))
    view = await view_of(replicas[1], first.referral_id)
    assert sorted(e.step.value for e in view.escalations) == ["breach", "partnership", "reminder"]
    assert sorted(counts) == [0, 3]  # one replica held the lease and fired all three
    sent = [e.event_id for topic, e in tracking.bus.published if topic == "referral.escalations.v1"]
    assert len(sent) == 3 == len(set(sent))
    assert await fire_due_escalations(replicas[0], now=breach_time) == 0


async def test_a_lease_left_by_a_crashed_writer_expires(tracking: Tracking) -> None:
    leases = tracking.stores.leases
    ids, crashed, other = [uuid4(), uuid4()], uuid4(), uuid4()
    t = at(0)
    assert list(await leases.take(ids, crashed, t, seconds=15)) == ids  # then the writer dies
    assert await leases.take(ids, other, t + timedelta(seconds=14), seconds=15) == {}
    assert list(await leases.take([*ids, fresh := uuid4()], other, t + timedelta(seconds=14), seconds=15)) == [fresh]
    assert list(await leases.take(ids, other, t + timedelta(seconds=15), seconds=15)) == ids  # expired: taken over
    await leases.release(ids, crashed)  # the crashed writer's late release gives back nothing
    assert await leases.take(ids, uuid4(), t + timedelta(seconds=16), seconds=15) == {}
    await leases.release(ids, other)
    assert list(await leases.take(ids, uuid4(), t + timedelta(seconds=16), seconds=15)) == ids


async def test_a_request_for_an_unknown_referral_leaves_no_lease_behind(mongodb_url: str) -> None:
    """A milestone posted for an id tracking does not know takes the id's lease like any other:
    given back, nothing of it stays in the store."""
    unknown = uuid4()
    async with fresh_database(mongodb_url) as database:
        tracking = await tracking_in(database)
        with pytest.raises(UnknownReferral):
            await record_milestone(unknown, Milestone(kind=MilestoneKind.ACKNOWLEDGED, actor=Actor(agency_id="cmh-east", person="Sam Lee")),
                                   tracking, correlation_id=uuid4(), now=at(0))
        assert await database["referral_leases"].count_documents({}) == 0
