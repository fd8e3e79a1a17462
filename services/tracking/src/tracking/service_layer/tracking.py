"""Apply one event: store it once, rebuild the referral, and say what its new state calls for."""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

from referral_contracts import (
    Event,
    Link,
    LinkRelation,
    ReferralLinked,
    ReferralSubmitted,
    derived_id,
    topics,
)
from service_kit.messaging import EventPublisher

from ..adapters.referral_store import ReferralStore
from ..domain.closure import outgoing
from ..domain.deadlines import TRACKING
from ..domain.duplicates import person_service_key
from ..domain.lifecycle import fold
from ..domain.model import ReferralView

log = logging.getLogger(__name__)


async def apply_event(event: Event, *, store: ReferralStore, bus: EventPublisher) -> ReferralView | None:
    """Idempotent: a redelivered event is not stored twice and rebuilds the same view.

    Messages the state calls for are published after the view is stored and remembered once
    published, so a crash in between republishes them with the same ids, which consumers drop.
    """
    if not await store.append(event):
        log.info("event %s already applied", event.event_id)
    events = await store.events_for(event.referral_id)
    view = fold(events)
    if view is None:
        log.info("referral %s: %s held until its submission arrives", event.referral_id, event.event_type)
        return None
    await store.save_view(view)
    messages = outgoing(view, events)
    already = await store.published(view.referral_id) if messages else set()  # most events call for none
    for topic, message in messages:
        if message.event_id not in already:
            await bus.publish(topic, message)
            await store.mark_published(view.referral_id, message.event_id)
    first = next(e for e in events if isinstance(e, ReferralSubmitted))
    if event.event_id == first.event_id:
        await _link_if_duplicate(first, store=store, bus=bus)
    elif not view.is_open:
        await store.release_person_service(person_service_key(first.data), view.referral_id)
    return view


async def apply_raised_in_bulk(events: list[Event], *, store: ReferralStore,
                               bus: EventPublisher) -> dict[UUID, ReferralView]:
    """`apply_event` for many events tracking raises itself (escalations) about referrals it already
    tracks, in a handful of round trips whatever their number: one bulk insert, one read of their
    logs, one bulk write of their views; what they call for is published (in order per referral,
    referrals at once) and remembered in one bulk write. Such events neither open nor close a
    referral, so there is no duplicate to link and no person-service key to release."""
    await store.append_many(events)
    logs = await store.events_for_many(list({event.referral_id for event in events}))
    views = {referral_id: view for referral_id, log in logs.items() if (view := fold(log)) is not None}
    await store.save_views(list(views.values()))
    calls = {referral_id: outgoing(view, logs[referral_id]) for referral_id, view in views.items()}
    already = await store.published_many([r for r, messages in calls.items() if messages])
    owed = {r: [(t, m) for t, m in messages if m.event_id not in already.get(r, set())] for r, messages in calls.items()}

    async def publish_in_order(messages: list[tuple[str, Event]]) -> None:
        for topic, message in messages:
            await bus.publish(topic, message)

    await asyncio.gather(*(publish_in_order(messages) for messages in owed.values() if messages))
    await store.mark_published_many([(r, m.event_id) for r, messages in owed.items() for _, m in messages])
    return views


async def _link_if_duplicate(first: ReferralSubmitted, *, store: ReferralStore, bus: EventPublisher) -> None:
    """The same person referred again to the same service while a referral is open is linked to
    that referral, not tracked twice."""
    key = person_service_key(first.data)
    holder = await store.claim_person_service(key, first.referral_id)
    if holder == first.referral_id:
        return
    original = await store.view(holder)
    if original is None or not original.is_open:  # the holder closed meanwhile: take its place
        await store.release_person_service(key, holder)
        await store.claim_person_service(key, first.referral_id)
        return
    for referral_id, relation, other, other_source in (
        (first.referral_id, LinkRelation.DUPLICATE_OF, holder, original.source_agency_id),
        (holder, LinkRelation.RE_REFERRED_AS, first.referral_id, first.data.source_agency_id),
    ):
        link = ReferralLinked.create(
            event_id=derived_id(referral_id, "linked", other), referral_id=referral_id,
            correlation_id=first.correlation_id, causation_id=first.event_id, actor=TRACKING,
            occurred_at=first.occurred_at,
            data=Link(relation=relation, other_referral_id=other, other_source_agency_id=other_source),
        )
        await apply_event(link, store=store, bus=bus)
        await bus.publish(topics.REFERRAL_FLAGS, link)
    log.info("referral %s linked as a duplicate of %s", first.referral_id, holder)
