"""Background checks over many referrals. Time is passed in, so tests never wait for it."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from referral_contracts import OutcomeUnknown, UnknownOutcome, derived_id
from tracking.deadlines.ladders import due_now, escalation_event, held_until
from tracking.lifecycle.leases import Held, under_leases
from tracking.lifecycle.model import OPEN_STATES, TRACKING
from tracking.lifecycle.ports import Tracking
from tracking.lifecycle.service import apply_event, apply_held_events


async def flag_unknown_outcomes(tracking: Tracking, *, now: datetime, limit: int = 1000) -> int:
    """Flag open referrals with no activity for the policy's `unknown_outcome_after_days`; returns how many were flagged.

    Reads only the quiet ones (an index on last activity), so its cost follows how many are due,
    not how many are open. Ids derive from the referral and its last activity: replicas sweeping
    at once flag each referral once.
    """
    flagged, after_days, views = 0, tracking.policy.unknown_outcome_after_days, tracking.stores.views
    quiet = await views.quiet(now - timedelta(days=after_days), frozenset(s.value for s in OPEN_STATES), limit)
    for referral_id in quiet:
        view = await views.get(referral_id)
        if view is None or not view.is_open or view.outcome_unknown_since is not None:
            continue
        event = OutcomeUnknown.create(
            event_id=derived_id(referral_id, "outcome-unknown", view.last_activity_at.isoformat()),
            referral_id=referral_id, correlation_id=view.correlation_id, actor=TRACKING, occurred_at=now,
            data=UnknownOutcome(last_activity_at=view.last_activity_at, threshold_days=after_days),
        )
        after = await apply_event(event, tracking)  # the flag is published as it calls for
        if after is not None and after.outcome_unknown_since is not None:
            flagged += 1
    return flagged


async def fire_due_escalations(tracking: Tracking, *, now: datetime, limit: int = 1000) -> int:
    """Fire every rung that has fallen due; returns how many rungs this call fired.

    Reads only referrals whose next rung is due (an index on it), so its cost follows the due count,
    and fires them together in a fixed number of round trips (`apply_held_events`).
    Once: the rungs of a referral are fired under its lease, the one every writer of the referral
    takes (a referral another replica or a consumer holds is left to the next sweep), and each rung
    has a derived id the event log takes once. Never not at all: a rung stays due until its event
    is stored; a crash leaves a lease that expires.
    """
    due = await tracking.stores.views.escalations_due(now, limit)
    return (await fire_escalations(tracking, due, now=now))[0]


async def fire_escalations(tracking: Tracking, due: list[UUID], *, now: datetime) -> tuple[int, list[UUID]]:
    """`fire_due_escalations` for referrals already found due (the watcher reads them with the ones
    falling due soon); returns how many rungs it fired and the referrals another writer held."""
    stores, policy = tracking.stores, tracking.policy
    fired = 0

    async def fire(held: Held) -> None:
        nonlocal fired
        views = await stores.views.get_many(held.ids)
        raised = [escalation_event(view, rung, now) for view in views for rung in due_now(view, policy, now)]
        after = (await apply_held_events(raised, tracking, held))[0] if raised else {}
        for view in views:
            now_view = after.get(view.referral_id, view)
            fired += len(now_view.escalations) - len(view.escalations)
            if (morning := held_until(now_view, policy, now)) is not None:
                await stores.views.reschedule(now_view, morning)  # not looked at again all night

    done = await under_leases(stores.leases, due, fire, wait_seconds=0) if due else []
    taken = set(done)
    return fired, [r for r in due if r not in taken]
