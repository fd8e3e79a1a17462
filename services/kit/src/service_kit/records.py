"""Records as handlers see them, and how a batch of them is handled at once.

Consumers take records from Kafka in batches (one fetch, one offset commit, one produce request
for what the batch publishes): the biggest cost of handling one record at a time was the round
trips, not the work (BENCHMARKS.md). Within a batch, records of the same referral (the Kafka key)
are handled one after another in offset order; different referrals concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiokafka import ConsumerRecord

T = TypeVar("T")


@dataclass(frozen=True)
class Record:
    """One Kafka record: where it came from, its bytes and its headers."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, raw: ConsumerRecord[Any, Any]) -> Record:
        return cls(topic=raw.topic, partition=raw.partition, offset=raw.offset, key=raw.key,
                   body=raw.value or b"", headers={k: v.decode(errors="replace") for k, v in raw.headers})

    @property
    def position(self) -> tuple[str, int, int]:
        return self.topic, self.partition, self.offset


def in_order_lanes(items: Iterable[T], lane_of: Callable[[T], Hashable]) -> list[list[T]]:
    """Split items into lanes by `lane_of`, each lane keeping the items' order."""
    lanes: dict[Hashable, list[T]] = {}
    for item in items:
        lanes.setdefault(lane_of(item), []).append(item)
    return list(lanes.values())


async def run_lanes(lanes: list[list[T]], handle: Callable[[T], Awaitable[None]], *, concurrency: int,
                    prefer: Callable[[BaseException], bool] = lambda error: True) -> None:
    """Each lane in order, lanes concurrently (at most `concurrency` at once). A lane stops at its
    first failure; the other lanes finish, then a failure is raised (the first that `prefer`
    picks, else the first), so the caller can hand the whole batch back (handlers are idempotent:
    what succeeded is redone harmlessly)."""
    gate = asyncio.Semaphore(concurrency)

    async def run(lane: list[T]) -> None:
        async with gate:
            for item in lane:
                await handle(item)

    outcomes = await asyncio.gather(*(run(lane) for lane in lanes), return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    if failures:
        raise next((f for f in failures if prefer(f)), failures[0])
