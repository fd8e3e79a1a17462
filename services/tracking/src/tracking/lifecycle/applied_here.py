"""Milestones this process is applying or has applied in full, so its own subscription need not
apply them again.

A milestone posted over HTTP (or read from an agency's inbound topic) is published on
`referral.milestones.v1` before it is applied, so an accepted milestone is never lost; tracking's
own subscription then receives it, usually while the HTTP path still holds the referral's lease.
It used to poll for the lease (a failed insert and a read every few milliseconds), then store the
event again as a duplicate, read the log and write the same view: a dozen store commands or more
for nothing (BENCHMARKS.md). Now it waits in memory for this process's own apply to end and drops
what was applied in full (stored, folded, what it called for published, the view written).
Only this process's memory: after a crash it is empty and the subscription applies what it
receives, as before; another replica's subscription applies it as before; and an apply that
failed here is left to the subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Iterable
from uuid import UUID

KEPT = 10_000  # far more than a consumer's lag behind this process's own milestones


class AppliedHere:
    def __init__(self, kept: int = KEPT) -> None:
        self._done: OrderedDict[UUID, None] = OrderedDict()
        self._applying: dict[UUID, asyncio.Event] = {}
        self._kept = kept

    def applying(self, event_id: UUID) -> None:
        """This process is about to publish and apply the event."""
        self._applying.setdefault(event_id, asyncio.Event())

    def applied(self, event_id: UUID) -> None:
        """Applied in full: nothing is left to do for it."""
        self._done[event_id] = None
        while len(self._done) > self._kept:
            self._done.popitem(last=False)

    def ended(self, event_id: UUID) -> None:
        """This process's attempt ended, applied in full or not."""
        if (waiting := self._applying.pop(event_id, None)) is not None:
            waiting.set()

    async def settled(self, event_ids: Iterable[UUID], timeout: float) -> None:
        """Wait (at most `timeout`) for this process's attempts at these events to end."""
        waits = [self._applying[e].wait() for e in event_ids if e in self._applying]
        if waits:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waits), timeout)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._done
