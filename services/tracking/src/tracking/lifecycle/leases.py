"""One writer per referral: work on a referral happens under its lease.

A lease is taken by one atomic write per batch of referrals and given back when the work is done;
one left by a crashed writer expires after LEASE_SECONDS and is taken over. Leases run on the
machine's clock, not the platform's (tests and demos move that one forward by days).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from uuid import UUID, uuid4

from service_kit.failures import RetryLater

from tracking.lifecycle.ports import Leases

LEASE_SECONDS = 15.0  # far longer than applying a batch takes; how long a crashed writer's lease blocks
WAIT_SECONDS = 5.0  # how long to wait for referrals another writer holds before handing the work back
FIRST_PAUSE, LONGEST_PAUSE = 0.005, 0.1


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


async def under_leases(leases: Leases, referral_ids: list[UUID], work: Callable[[list[UUID]], Awaitable[None]],
                       *, wait_seconds: float = WAIT_SECONDS) -> list[UUID]:
    """Run `work` on the referrals as their leases are taken: those free at once first, the rest as
    their holders give them back. Returns the referrals worked on. Raises RetryLater (a transient
    failure: the consumer hands its batch back) if some are still held elsewhere after
    `wait_seconds`; with `wait_seconds=0`, skips them instead (a sweep: another replica is on them)."""
    holder, remaining, done = uuid4(), list(dict.fromkeys(referral_ids)), []
    deadline, pause = time.monotonic() + wait_seconds, FIRST_PAUSE
    while remaining:
        held = await leases.take(remaining, holder, wall_clock(), LEASE_SECONDS)
        if held:
            try:
                await work(held)
            finally:
                await leases.release(held, holder)
            done += held
            taken = set(held)
            remaining = [r for r in remaining if r not in taken]
        if not remaining or wait_seconds <= 0:
            break
        if time.monotonic() > deadline:
            raise RetryLater(f"{len(remaining)} referrals held by another writer for over {wait_seconds:.0f} s")
        await asyncio.sleep(pause)
        pause = min(LONGEST_PAUSE, pause * 2)
    return done
