"""Re-time every referral's next escalation: what `referral-tracking-retime` does.

A view's next escalation time is worked out as the view is stored, by the ladder of the code and the
policy of that moment (ladders.py). When either changes when a clock runs or a rung falls due (a
new version of tracking; the partnership's policy edited: a shorter reminder, another threshold),
the times already stored stay as they were until each referral's next event: a rung due sooner
would be late, and one whose clock now runs (the first-contact clock for a referral the triage desk
holds, since 2026-11-26) would never fire. Run this once after such a change: it works out every
view's time again and stores those that differ, each only while the view it read is still the one
stored (a referral changed meanwhile was re-timed by that change). Idempotent: a second run changes
nothing. Running tracking replicas pick the new times up at their next look (SWEEP_SECONDS)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tracking.deadlines.ladders import next_escalation_at
from tracking.lifecycle.ports import Tracking


@dataclass(frozen=True)
class Retimed:
    looked_at: int
    changed: int


def _to_the_millisecond(moment: datetime | None) -> datetime | None:
    """As the store keeps it: a worked-out time with microseconds is not a different time."""
    return None if moment is None else moment.replace(microsecond=moment.microsecond // 1000 * 1000)


async def retime(tracking: Tracking, *, progress: Callable[[int, int], None] = lambda looked, changed: None
                 ) -> Retimed:
    looked = changed = 0
    async for view, stored in tracking.stores.views.every_view():
        looked += 1
        when = next_escalation_at(view, tracking.policy)
        if _to_the_millisecond(when) != _to_the_millisecond(stored):
            await tracking.stores.views.reschedule(view, when)
            changed += 1
        if looked % 1000 == 0:
            progress(looked, changed)
    return Retimed(looked, changed)
