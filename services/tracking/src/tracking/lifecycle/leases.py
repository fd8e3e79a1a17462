"""One writer per referral: work on a referral happens under its lease.

A lease is taken by one atomic write per batch of referrals and given back when the work is done;
one left by a crashed writer expires after LEASE_SECONDS and is taken over. Taking a lease also
reads what was published for the referral, and giving it back remembers what was published under
it (decision 0006): the lease's own two writes carry `published`, so neither costs a round trip of
its own. Leases run on the machine's clock, not the platform's (tests and demos move that one
forward by days).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from uuid import UUID, uuid4

from service_kit.failures import RetryLater

from tracking.lifecycle.ports import Leases

LEASE_SECONDS = 15.0  # far longer than applying a batch takes; how long a crashed writer's lease blocks
WAIT_SECONDS = 5.0  # how long to wait for referrals another writer holds before handing the work back
FIRST_PAUSE, LONGEST_PAUSE = 0.005, 0.1


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Held:
    """Referrals whose leases a writer holds: what was published for each when taken, and what the
    writer has published since (remembered as the leases are given back)."""

    published: dict[UUID, set[UUID]]
    said: dict[UUID, list[UUID]] = field(default_factory=dict)

    @property
    def ids(self) -> list[UUID]:
        return list(self.published)

    @property
    def unpublished(self) -> list[UUID]:
        """Referrals nothing was ever published for (not known yet): their leases are forgotten."""
        return [r for r, said in self.published.items() if not said and not self.said.get(r)]

    def remember(self, said: dict[UUID, list[UUID]]) -> None:
        for referral_id, message_ids in said.items():
            self.said.setdefault(referral_id, []).extend(message_ids)


async def under_leases(leases: Leases, referral_ids: list[UUID], work: Callable[[Held], Awaitable[None]],
                       *, wait_seconds: float = WAIT_SECONDS) -> list[UUID]:
    """Run `work` on the referrals as their leases are taken: those free at once first, the rest as
    their holders give them back. Returns the referrals worked on. Raises RetryLater (a transient
    failure: the consumer hands its batch back) if some are still held elsewhere after
    `wait_seconds`; with `wait_seconds=0`, skips them instead (a sweep: another replica is on them).
    What `work` published is remembered as the leases are given back, also when it fails midway:
    a message published is never forgotten while the store answers."""
    holder, remaining, done = uuid4(), list(dict.fromkeys(referral_ids)), []
    deadline, pause = time.monotonic() + wait_seconds, FIRST_PAUSE
    while remaining:
        taken = await leases.take(remaining, holder, wall_clock(), LEASE_SECONDS)
        if taken:
            held = Held(taken)
            try:
                await work(held)
            finally:
                await leases.release(held.ids, holder, held.said, held.unpublished)
            done += held.ids
            remaining = [r for r in remaining if r not in taken]
        if not remaining or wait_seconds <= 0:
            break
        if time.monotonic() > deadline:
            raise RetryLater(f"{len(remaining)} referrals held by another writer for over {wait_seconds:.0f} s")
        await asyncio.sleep(pause)
        pause = min(LONGEST_PAUSE, pause * 2)
    return done
