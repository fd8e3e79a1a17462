"""Apply one event: store it once, rebuild the referral, and say what its new state calls for."""

from __future__ import annotations

import logging

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
