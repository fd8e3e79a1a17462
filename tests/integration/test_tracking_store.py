"""Tracking's MongoDB store against the real store (local server, a container, or MONGODB_URL)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tracking.adapters.referral_store import MongoReferralStore, connect
from tracking.domain.lifecycle import fold
from tracking.domain.model import State
from tracking.service_layer.tracking import apply_event

from event_factories import closed_loop

pytestmark = pytest.mark.integration


class RecordingBus:
    """Stands in for Kafka here: this test is about the store; the e2e test uses the broker."""

    def __init__(self) -> None:
        self.published: list = []

    async def publish(self, topic: str, event) -> None:
        self.published.append((topic, event))


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
    assert await store.append(event) is True
    assert await store.append(event) is False
    assert await store.events_for(event.referral_id) == [event]


async def test_a_view_is_only_replaced_by_one_that_folds_more_events(store: MongoReferralStore) -> None:
    events = closed_loop()
    newer, older = fold(events), fold(events[:3])
    assert await store.save_view(newer) is True
    assert await store.save_view(older) is False
    assert await store.view(newer.referral_id) == newer


async def test_redelivered_and_out_of_order_events_close_the_loop_once(store: MongoReferralStore) -> None:
    events = closed_loop()
    bus = RecordingBus()
    for event in [*reversed(events), *events]:  # worst order first, then every event again
        await apply_event(event, store=store, bus=bus)
    view = await store.view(events[0].referral_id)
    assert view.state is State.CLOSED and view.events_applied == len(events)
    assert [topic for topic, _ in bus.published] == ["referral.closed.v1"]
    assert bus.published[0][1].data.client_reference == "GPN-2026-0001"
