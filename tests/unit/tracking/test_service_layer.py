"""Tracking's service layer on in-memory doubles of its ports (tests/tracking_doubles.py): every
event stored once, each referral rebuilt and what it calls for published once, duplicates linked,
rungs fired once by racing replicas and held overnight, quiet referrals flagged, milestones refused
with nothing changed. The same paths run on the real store in tests/integration/."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from referral_contracts import AcuityTier, ClosureOutcome, EscalationRaised, RepeatedCrisis, topics
from referral_contracts.policy import load_policy
from tracking.deadlines.ladders import due_now, held_until, ladder, next_escalation_at
from tracking.deadlines.sweeps import fire_due_escalations, flag_unknown_outcomes
from tracking.lifecycle.commands import milestone_recorded
from tracking.lifecycle.model import State
from tracking.lifecycle.record import UnknownReferral, record_milestone
from tracking.lifecycle.refusal import Refused
from tracking.lifecycle.service import apply_event, apply_events
from tracking.persons.crisis_service import note_crisis

from event_factories import at, closed_loop, milestone, submitted, triaged
from factories import person_payload
from recording_bus import RecordingBus
from tracking_doubles import memory_stores, memory_tracking

POLICY = load_policy(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "policy.yaml")


@pytest.fixture
def tracking():
    return memory_tracking(POLICY)


async def test_redelivered_and_out_of_order_events_close_the_loop_once(tracking) -> None:
    events = closed_loop()
    for event in [*reversed(events), *events]:  # worst order first, then every event again
        await apply_event(event, tracking)
    view = await tracking.stores.views.get(events[0].referral_id)
    assert view.state is State.CLOSED and view.events_applied == len(events)
    ids = [message.event_id for _, message in tracking.bus.published]
    assert len(ids) == len(set(ids)), "each message once"
    assert [t for t, _ in tracking.bus.published].count(topics.REFERRAL_CLOSED) == 1
    assert len(tracking.stores.log.events) == len(events)


async def test_a_triage_that_overtakes_its_submission_waits_for_it(tracking) -> None:
    first = submitted()
    assert await apply_event(triaged(first), tracking) is None  # held: no referral to apply it to yet
    view = await apply_event(first, tracking)
    assert view.state is State.ASSIGNED and view.lead_agency_id == "cmh-east"


async def test_each_stored_view_carries_its_next_escalation_time_and_the_watcher_hears_it() -> None:
    heard = []
    tracking = memory_tracking(POLICY, escalation_stored=heard.append)
    first = submitted()
    await apply_events([first, triaged(first)], tracking)
    view = await tracking.stores.views.get(first.referral_id)
    expected = next_escalation_at(view, POLICY)
    assert expected is not None and tracking.stores.views.next_escalation_at[first.referral_id] == expected
    assert heard == [expected]


async def test_the_same_person_referred_again_is_linked_and_freed_when_the_original_closes(tracking) -> None:
    original = submitted()
    again = submitted(source_agency_id="ed-central", client_reference="ED-77", minute=5)
    for event in (original, again, again):  # `again` redelivered
        await apply_event(event, tracking)
    duplicate = await tracking.stores.views.get(again.referral_id)
    assert duplicate.state is State.LINKED and duplicate.linked_to == original.referral_id
    assert duplicate.closure.outcome is ClosureOutcome.LINKED
    rid = original.referral_id
    for event in (triaged(original), milestone(rid, "accepted", 10), milestone(rid, "engaged", 30)):
        await apply_event(event, tracking)
    assert tracking.stores.person_services.holders == {}, "a closed referral gives its key back"
    fresh = await apply_event(submitted(client_reference="GPN-10", minute=90), tracking)
    assert fresh.state is State.SUBMITTED


async def test_two_replicas_sweeping_at_once_fire_each_rung_once() -> None:
    stores = memory_stores()
    one = memory_tracking(POLICY, stores=stores)
    replicas = [one, memory_tracking(POLICY, stores=stores, bus=one.bus)]  # one bus, one set of stores
    first = submitted()
    await apply_events([first, triaged(first)], replicas[0])
    breach = at(60 * 24 * 15)
    counts = await asyncio.gather(*(fire_due_escalations(r, now=breach) for r in replicas))
    assert sorted(counts) == [0, 3]
    raised = replicas[0].bus.of_type(EscalationRaised)
    assert sorted(e.data.step.value for e in raised) == ["breach", "partnership", "reminder"]
    assert await fire_due_escalations(replicas[1], now=breach) == 0


async def test_rungs_due_at_night_are_held_for_the_morning_not_looked_at_every_sweep(tracking) -> None:
    first = submitted()
    view = await apply_event(first, tracking)
    view = await apply_event(triaged(first), tracking)  # routine: its rungs wait for working hours
    start = min(rung.at for rung in ladder(view, POLICY))
    night = next(now for now in (start + timedelta(hours=h) for h in range(72))
                 if not due_now(view, POLICY, now) and held_until(view, POLICY, now) is not None)
    assert await fire_due_escalations(tracking, now=night) == 0
    assert tracking.stores.views.next_escalation_at[first.referral_id] == held_until(view, POLICY, night)
    assert await tracking.stores.views.escalations_due(night, 1000) == []


async def test_a_quiet_referral_is_flagged_once_and_activity_clears_the_flag(tracking) -> None:
    first = submitted()
    await apply_events([first, triaged(first)], tracking)
    days = POLICY.unknown_outcome_after_days
    flags = [await flag_unknown_outcomes(tracking, now=at(60 * 24 * d)) for d in (days - 1, days + 1, days + 2)]
    assert flags == [0, 1, 0]
    await apply_event(milestone(first.referral_id, "acknowledged", 60 * 24 * (days + 3)), tracking)
    assert (await tracking.stores.views.get(first.referral_id)).outcome_unknown_since is None


async def test_a_milestone_is_refused_or_unknown_with_nothing_changed_and_recorded_once(tracking) -> None:
    first = submitted()
    rid = first.referral_id
    with pytest.raises(UnknownReferral):
        await record_milestone(rid, milestone(rid, "accepted", 10).data, tracking, correlation_id=uuid4(), now=at(10))
    await apply_events([first, triaged(first)], tracking)
    before = list(tracking.bus.published)
    with pytest.raises(Refused):  # engaged before anyone accepted
        await record_milestone(rid, milestone(rid, "engaged", 10).data, tracking, correlation_id=uuid4(), now=at(10))
    assert tracking.bus.published == before and len(tracking.stores.log.events) == 2
    accepted = milestone(rid, "accepted", 10).data
    view, new = await record_milestone(rid, accepted, tracking, correlation_id=uuid4(), now=at(10))
    again = await record_milestone(rid, accepted, tracking, correlation_id=uuid4(), now=at(11))
    assert (view.state, new, again[1]) == (State.ACCEPTED, True, False)
    recorded = milestone_recorded(rid, accepted, correlation_id=uuid4(), received_at=at(10))
    assert [t for t, m in tracking.bus.published if m.event_id == recorded.event_id] == [topics.REFERRAL_MILESTONES]


async def test_a_second_crisis_for_a_person_is_flagged_once(tracking) -> None:
    person = person_payload(identifier="P-CRISIS")
    flags = []
    for n in range(2):
        first = submitted(minute=60 * n, person=person, service_type=f"service-{n}", client_reference=f"C-{n}")
        triage = triaged(first, minute=60 * n + 1, tier=AcuityTier.URGENT)
        views = await apply_events([first, triage], tracking)
        for _ in range(2):  # a redelivered triage flags nothing new
            flags.append(await note_crisis(triage, views[first.referral_id], tracking))
    assert flags[:2] == [None, None] and flags[2] == flags[3] is not None
    assert tracking.bus.of_type(RepeatedCrisis) == [flags[2]]


class _FailsAfter(RecordingBus):
    """A broker that takes `count` messages, then fails (it went away mid-batch)."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    async def publish(self, topic: str, event) -> None:
        if len(self.published) >= self.count:
            raise ConnectionError("the broker went away")
        await super().publish(topic, event)


async def test_what_was_published_before_a_failure_is_remembered_and_not_published_again() -> None:
    stores = memory_stores()
    first = submitted()
    await apply_event(first, memory_tracking(POLICY, stores=stores))
    failing = _FailsAfter(1)
    with pytest.raises(ConnectionError):  # triage calls for several messages: one goes out, then the broker fails
        await apply_event(triaged(first), memory_tracking(POLICY, stores=stores, bus=failing))
    [(_, sent)] = failing.published
    assert sent.event_id in (await stores.published.of([first.referral_id]))[first.referral_id]
    assert not stores.leases.leases, "the lease was given back"
    again = RecordingBus()
    await apply_event(triaged(first), memory_tracking(POLICY, stores=stores, bus=again))  # the redelivery
    assert sent.event_id not in {m.event_id for _, m in again.published} and again.published
