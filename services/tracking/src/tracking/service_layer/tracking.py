"""Apply one event: store it once, rebuild the referral, and close the loop with the sender."""

from __future__ import annotations

import logging

from referral_contracts import Event, topics
from service_kit.messaging import EventPublisher

from ..adapters.referral_store import ReferralStore
from ..domain.closure import closure_message
from ..domain.lifecycle import fold
from ..domain.model import ReferralView

log = logging.getLogger(__name__)


async def apply_event(event: Event, *, store: ReferralStore, bus: EventPublisher) -> ReferralView | None:
    """Idempotent: a redelivered event is not stored twice and rebuilds the same view.

    The closure message is published after the view is stored and marked only once published,
    so a crash in between republishes it with the same event id, which the notifier drops.
    """
    if not await store.append(event):
        log.info("event %s already applied", event.event_id)
    view = fold(await store.events_for(event.referral_id))
    if view is None:
        log.info("referral %s: %s held until its submission arrives", event.referral_id, event.event_type)
        return None
    await store.save_view(view)
    message = closure_message(view)
    if message is not None and not await store.closure_published(view.referral_id):
        await bus.publish(topics.REFERRAL_CLOSED, message)
        await store.mark_closure_published(view.referral_id)
        log.info("referral %s closed (%s); closure published", view.referral_id, message.data.outcome.value)
    return view
