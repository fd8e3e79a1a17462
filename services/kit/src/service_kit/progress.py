"""Is every consumer making progress? One that makes none while records wait on its partitions is
never silent: `/ready` fails naming the partition, `/metrics` shows it (`referral_consumer_stalled`)
and a log line says why.

A partition is stalled when records wait on it (the end the consumer last saw is past what was
handled or committed) and nothing on it was handled for `stall_seconds`. The check reads each
consumer's assignment, the partition ends it learnt from its fetches and the group's committed
offsets, so it sees a consumer stuck anywhere, also before a record reaches the handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition
from prometheus_client import Gauge

log = logging.getLogger(__name__)
STALLED = Gauge("referral_consumer_stalled", "1 while records wait on a partition and none was handled "
                "for the stall threshold (CONSUMER_STALL_SECONDS).", ["topic", "partition"])
# What this replica owns in its consumer groups (several replicas of a service split the partitions
# of each topic; a rebalance moves them): a count per topic, and each partition 1 while owned, 0
# once it moved to another replica.
ASSIGNED = Gauge("referral_assigned_partitions", "Partitions of the topic this process owns in its consumer "
                 "group now.", ["topic"])
OWNED = Gauge("referral_partition_owned", "1 while this process owns the partition in its consumer group, "
              "0 after it moved to another member.", ["topic", "partition"])


@dataclass
class _Partition:
    done: int = 0  # the next offset to handle: what was handled or committed, plus one
    since: float = field(default_factory=time.monotonic)  # when `done` last moved, or waiting began
    waiting: bool = False
    stalled: bool = False
    last_error: str | None = None


class ConsumerProgress:
    def __init__(self, stall_seconds: float = 60.0) -> None:
        self.stall_seconds = stall_seconds
        self._subscribers: list[tuple[Any, bool]] = []  # FastStream subscribers, and whether grouped
        self._partitions: dict[tuple[str, int], _Partition] = {}
        self.stalled: list[str] = []  # the last check's findings, for /ready
        self._owned: set[tuple[str, int]] = set()  # what `owned` last found

    def watch(self, subscriber: Any, *, grouped: bool) -> None:
        self._subscribers.append((subscriber, grouped))

    def owned(self) -> dict[str, list[int]]:
        """The partitions this process's group members own now, by topic, also set on /metrics
        (`referral_assigned_partitions`, `referral_partition_owned`). Groupless subscriptions read
        every partition and own none: they are left out."""
        now: dict[str, set[int]] = {}
        for subscriber, grouped in self._subscribers:
            consumer = getattr(subscriber, "consumer", None)
            if not grouped or consumer is None:
                continue
            with contextlib.suppress(Exception):  # a consumer not started yet, or closing
                for tp in consumer.assignment():
                    now.setdefault(tp.topic, set()).add(tp.partition)
        for topic, partition in self._owned - {(t, p) for t, parts in now.items() for p in parts}:
            OWNED.labels(topic, str(partition)).set(0)
        for topic in {topic for topic, _ in self._owned} - set(now):
            ASSIGNED.labels(topic).set(0)
        for topic, partitions in now.items():
            ASSIGNED.labels(topic).set(len(partitions))
            for partition in partitions:
                OWNED.labels(topic, str(partition)).set(1)
        self._owned = {(topic, partition) for topic, parts in now.items() for partition in parts}
        return {topic: sorted(partitions) for topic, partitions in sorted(now.items())}

    def handled(self, topic: str, partition: int, offset: int) -> None:
        """A record was handled (or dead-lettered): its partition moved on."""
        state = self._partitions.setdefault((topic, partition), _Partition())
        if offset + 1 > state.done:
            state.done, state.since, state.last_error = offset + 1, time.monotonic(), None

    def failed(self, topic: str, partition: int, why: str) -> None:
        self._partitions.setdefault((topic, partition), _Partition()).last_error = why

    async def check(self) -> list[str]:
        """Look at every assigned partition; returns (and keeps) the stalled ones, described."""
        now = time.monotonic()
        for subscriber, grouped in self._subscribers:
            consumer = getattr(subscriber, "consumer", None)
            if consumer is None:
                continue
            with contextlib.suppress(Exception):  # a consumer between rebalances: look next time
                for tp in consumer.assignment():
                    committed = await consumer.committed(tp) if grouped else None
                    self._look(tp, consumer.highwater(tp), committed, now)
        self.stalled = [self._describe(key, state) for key, state in sorted(self._partitions.items()) if state.stalled]
        return self.stalled

    def _look(self, tp: TopicPartition, end: int | None, committed: int | None, now: float) -> None:
        state = self._partitions.setdefault((tp.topic, tp.partition), _Partition())
        if committed is not None and committed > state.done:
            state.done, state.since = committed, now
        waiting = end is not None and end > state.done
        if waiting and not state.waiting:
            state.since = now
        state.waiting = waiting
        stalled = waiting and now - state.since > self.stall_seconds
        if stalled and not state.stalled:
            log.error("consumer stalled on %s[%d]: %d records waiting, none handled for %.0f s; last error: %s",
                      tp.topic, tp.partition, end - state.done, now - state.since, state.last_error or "none seen")
        elif state.stalled and not stalled:
            log.warning("consumer on %s[%d] moves again", tp.topic, tp.partition)
        state.stalled = stalled
        STALLED.labels(tp.topic, str(tp.partition)).set(1 if stalled else 0)

    def _describe(self, key: tuple[str, int], state: _Partition) -> str:
        waited = time.monotonic() - state.since
        return (f"{key[0]}[{key[1]}]: no record handled for {waited:.0f} s while records wait"
                f" (last error: {state.last_error or 'none seen'})")

    async def run_forever(self) -> None:
        """Check every few seconds, so /ready and /metrics stay current without asking Kafka per probe."""
        while True:
            await asyncio.sleep(min(5.0, max(0.5, self.stall_seconds / 3)))
            try:
                await self.check()
            except Exception:  # the watchdog must never stop
                log.exception("consumer progress check failed")
