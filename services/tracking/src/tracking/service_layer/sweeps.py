"""Background checks over many referrals. Time is passed in, so tests never wait for it."""

from __future__ import annotations

from datetime import datetime, timedelta

from referral_contracts import OutcomeUnknown, UnknownOutcome, derived_id, topics
from referral_contracts.policy import Policy
from service_kit.messaging import EventPublisher

from ..adapters.referral_store import ReferralStore
from ..domain.deadlines import TRACKING, due_now, escalation_event, held_until
from .tracking import apply_event, apply_events


async def flag_unknown_outcomes(
    *, store: ReferralStore, bus: EventPublisher, now: datetime, after_days: int, limit: int = 1000
) -> int:
    """Flag open referrals with no activity for `after_days`; returns how many were flagged.

    Reads only the quiet ones (an index on last activity), so its cost follows how many are due,
    not how many are open. Ids derive from the referral and its last activity: replicas sweeping
    at once flag each referral once.
    """
    flagged = 0
    for referral_id in await store.quiet_open_referrals(now - timedelta(days=after_days), limit):
        view = await store.view(referral_id)
        if view is None or not view.is_open or view.outcome_unknown_since is not None:
            continue
        event = OutcomeUnknown.create(
            event_id=derived_id(referral_id, "outcome-unknown", view.last_activity_at.isoformat()),
            referral_id=referral_id, correlation_id=view.correlation_id, actor=TRACKING, occurred_at=now,
            data=UnknownOutcome(last_activity_at=view.last_activity_at, threshold_days=after_days),
        )
        after = await apply_event(event, store=store, bus=bus)
        if after is not None and after.outcome_unknown_since is not None:
            await bus.publish(topics.REFERRAL_FLAGS, event)
            flagged += 1
    return flagged


async def fire_due_escalations(
    *, store: ReferralStore, bus: EventPublisher, policy: Policy, now: datetime, limit: int = 1000,
    lease_seconds: float = 30.0,
) -> int:
    """Fire every rung that has fallen due; returns how many rungs this call fired.

    Reads only referrals whose next rung is due (an index on it), so its cost follows the due count,
    and fires them together in a fixed number of round trips (`apply_events`).
    Once: a replica fires a referral's rungs only under a lease taken atomically, and each rung has
    a derived id the event log takes once (a lease that expired mid-work cannot double it). Never
    not at all: a rung stays due until its event is stored; a crash leaves a lease that expires,
    and stored escalations are published by the remember-what-was-said step of every event.
    """
    due = await store.escalations_due(now, limit)
    if not due:
        return 0
    token, held = await store.lease_due(due, now, lease_seconds)  # the rest: another replica is on them
    try:
        views = await store.views(held)
        raised = [escalation_event(view, rung, now) for view in views for rung in due_now(view, policy, now)]
        after = await apply_events(raised, store=store, bus=bus) if raised else {}
        fired = 0
        for view in views:
            now_view = after.get(view.referral_id, view)
            fired += len(now_view.escalations) - len(view.escalations)
            if (morning := held_until(now_view, policy, now)) is not None:
                await store.defer_escalations(now_view, morning)  # not looked at again all night
    finally:
        await store.release_lease(token, held)
    return fired
