"""Tracking's background loops, apart so that none holds up another:
- the deadline watcher sleeps until the next rung falls due (the earliest `next_escalation_at`, an
  index's first entry), or sooner when this process stores a view due earlier; at most
  `longest_sleep`, so a rung saved by another replica is never missed for longer;
- the unknown-outcome sweep (days-scale thresholds) runs on its own slower timer
  (`service_kit.periodic.every`), so its cost, which grows with the open count, never delays a
  deadline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta

from referral_contracts import utc_now

from tracking.deadlines.metrics import ESCALATIONS_FIRED, SWEEP_SECONDS
from tracking.deadlines.sweeps import fire_escalations
from tracking.lifecycle.ports import Tracking

log = logging.getLogger(__name__)
HELD_ELSEWHERE_WAIT = 1.0  # due rungs another replica has leased: look again after this
LOOK_AGAIN = 0.25  # a rung this process stored, due already: the next sweep comes this soon
WINDOW = 1000  # rungs due or falling due read at a wake; more, and the watcher looks again at once


class DeadlineWatcher:
    def __init__(self, *, longest_sleep: float) -> None:
        self._longest = longest_sleep
        self._wake = asyncio.Event()
        self._planned: datetime | None = None  # None while sweeping
        self._announced: datetime | None = None  # the soonest rung stored since the last sweep began

    def due_at(self, when: datetime) -> None:
        """A view was stored whose next rung falls due at `when`: look at it by then. Remembered
        until a sweep has begun after it and once more after that sweep: the sweep may have read the
        index before the view was stored, and a store may answer a read just after a write as it
        was before (seen on the local store), so one sweep not finding it is not the last word."""
        self._announced = min(when, self._announced or when)
        if self._planned is not None and when < self._planned:
            self._wake.set()

    async def run_forever(self, tracking: Tracking) -> None:
        while True:
            self._wake.clear()
            self._planned, announced, self._announced = None, self._announced, None  # sweeping
            wait = await self._sweep(tracking)
            for when in (announced, self._announced):  # stored before this sweep began, or during it
                if when is not None:
                    wait = min(wait, max(LOOK_AGAIN, (when - utc_now()).total_seconds()))
            self._planned = utc_now() + timedelta(seconds=wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _sweep(self, tracking: Tracking) -> float:
        """Fire what is due; return how long to sleep before the next rung. One read finds both the
        rungs due and the next to fall due within `longest_sleep`; the referrals just fired say
        their next times as they are stored (`due_at`)."""
        try:
            started, now = time.perf_counter(), utc_now()
            window = await tracking.stores.views.escalations_before(now + timedelta(seconds=self._longest), WINDOW)
            due = [referral_id for referral_id, at in window if at <= now]
            fired, held_elsewhere = await fire_escalations(tracking, due, now=now) if due else (0, [])
            SWEEP_SECONDS.observe(time.perf_counter() - started)
            ESCALATIONS_FIRED.inc(fired)
            if fired:
                log.info("deadline watcher: %d escalations fired", fired)
        except Exception:  # a failed sweep is retried; the watcher must never stop
            log.exception("deadline sweep failed")
            return self._longest
        later = [at for _, at in window if at > now]
        wait = max(0.0, (min(later) - utc_now()).total_seconds()) if later else self._longest
        if held_elsewhere or len(window) >= WINDOW:  # leased elsewhere, or more due than one read holds:
            wait = min(wait, 0.0 if fired else HELD_ELSEWHERE_WAIT)  # look again, but never a busy loop
        return min(self._longest, wait)

