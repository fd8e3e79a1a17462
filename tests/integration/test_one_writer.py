"""One record per event on every topic, also when writers race on a referral: the HTTP path and
tracking's own subscription applying the same milestone, requests repeating one milestone id, the
deadline watcher firing while a milestone closes the referral. Against the real store."""

from __future__ import annotations

import asyncio
from collections import Counter
from uuid import uuid4

import pytest

from referral_contracts import Actor, Milestone, MilestoneKind
from tracking.deadlines.sweeps import fire_due_escalations
from tracking.lifecycle.commands import milestone_recorded
from tracking.lifecycle.ports import Tracking
from tracking.lifecycle.record import record_milestone
from tracking.lifecycle.service import apply_event, apply_events

from event_factories import at, milestone, submitted, triaged
from recording_bus import RecordingBus
from tracking_world import tracking_on

pytestmark = pytest.mark.integration


class BrokerLikeBus(RecordingBus):
    """Publishing takes a moment, as on a broker: racing writers interleave as they would live."""

    async def publish(self, topic: str, event) -> None:
        await asyncio.sleep(0.002)
        await super().publish(topic, event)


@pytest.fixture
async def tracking(mongodb_url: str):
    async with tracking_on(mongodb_url, bus=BrokerLikeBus()) as tracking:
        yield tracking


async def accepted(tracking: Tracking):
    first = submitted()
    rid = first.referral_id
    for event in (first, triaged(first), milestone(rid, "accepted", 10)):
        await apply_event(event, tracking)
    return rid


def engaged(milestone_id=None) -> Milestone:
    return Milestone(milestone_id=milestone_id or uuid4(), kind=MilestoneKind.ENGAGED, occurred_at=at(30),
                     actor=Actor(agency_id="cmh-east", person="Sam Lee"))


def repeated(bus: RecordingBus) -> dict:
    counts = Counter((topic, message.event_id) for topic, message in bus.published)
    return {key: n for key, n in counts.items() if n > 1}


async def test_the_http_path_and_the_subscription_racing_publish_each_message_once(tracking: Tracking) -> None:
    for _ in range(5):
        rid = await accepted(tracking)
        posted = engaged()
        event = milestone_recorded(rid, posted, correlation_id=uuid4(), received_at=at(30))
        # The request publishes the milestone; tracking's subscription gets it back at once.
        await asyncio.gather(record_milestone(rid, posted, tracking, correlation_id=event.correlation_id, now=at(30)),
                             apply_events([event], tracking))
    assert repeated(tracking.bus) == {}
    assert len([m for t, m in tracking.bus.published if t == "referral.closed.v1"]) == 5


async def test_requests_repeating_one_milestone_id_record_it_once(tracking: Tracking) -> None:
    rid = await accepted(tracking)
    posted = engaged()
    results = await asyncio.gather(*(record_milestone(rid, posted, tracking, correlation_id=uuid4(), now=at(30))
                                     for _ in range(6)))
    assert sorted(created for _, created in results) == [False] * 5 + [True]
    assert repeated(tracking.bus) == {}
    assert len([m for t, m in tracking.bus.published if t == "referral.milestones.v1"]) == 1


async def test_the_watcher_and_a_closing_milestone_racing_publish_each_message_once(tracking: Tracking) -> None:
    breach = at(60 * 24 * 15)
    for _ in range(5):
        first = submitted()
        for event in (first, triaged(first)):
            await apply_event(event, tracking)
        await asyncio.gather(fire_due_escalations(tracking, now=breach),
                             apply_events([milestone(first.referral_id, "withdrawn", 60 * 24 * 15, agency="gp-north")],
                                          tracking))
    assert repeated(tracking.bus) == {}
    assert len([m for t, m in tracking.bus.published if t == "referral.closed.v1"]) == 5
