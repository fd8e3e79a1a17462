"""Kafka for every service: one way to publish, one way to subscribe to a contract.

- every producer uses acks=all with idempotence, so an acknowledged event survives a broker
  failover and a producer retry never writes it twice;
- every event is keyed by its referral id and carries type, version and correlation id headers;
- a record that breaks its contract goes to `<topic>.dlq` with the reason and its origin.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid4

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity
from faststream.kafka.annotations import KafkaMessage as KafkaMessageParam
from pydantic import BaseModel

from referral_contracts.codec import (
    HEADER_CORRELATION_ID,
    Rejected,
    dead_letter_headers,
    decode,
    encode,
    event_headers,
    event_key,
)
from referral_contracts.envelope import Event
from referral_contracts.topics import dead_letter_topic

from .logs import log_context
from .tracing import span, trace_headers
from .records import Record, in_order_lanes, run_lanes
from .metrics import CONSUMED, DEAD_LETTERS, HANDLER_ERRORS, HANDLER_SECONDS, PRODUCED, record_lag

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

# Consumers commit only after the handler returned; an exception (store down, broker hiccup)
# seeks back so the same record is handled again, never skipped.
SUBSCRIBER_DEFAULTS: dict[str, Any] = {
    "auto_offset_reset": "earliest",
    "ack_policy": AckPolicy.NACK_ON_ERROR,
}

# A batch is what one fetch returns, at most BATCH_RECORDS; an idle consumer looks again after
# BATCH_WAIT_MS (FastStream also sleeps that long after an empty fetch: it bounds the latency it adds).
BATCH_RECORDS = 500
BATCH_WAIT_MS = 10
CONCURRENCY = 64  # referrals of one batch handled at once

# Without a consumer group nothing can be committed (Kafka keeps offsets per group), so every start
# reads the topic from its earliest offset: how a process rebuilds in-memory state from a topic.
GROUPLESS_SUBSCRIBER_DEFAULTS: dict[str, Any] = {
    "auto_offset_reset": "earliest",
    "ack_policy": AckPolicy.MANUAL,
}


def new_broker(bootstrap_servers: str, *, client_id: str, security: BaseSecurity | None = None) -> KafkaBroker:
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        security=security,
        acks="all",
        enable_idempotence=True,
        # On SIGTERM, handlers in flight finish (and their records are committed) before the
        # consumers close; what is still running after this is redelivered to the next owner.
        graceful_timeout=15.0,
        logger=None,  # services log through their own structured logger
    )


class EventPublisher(Protocol):
    async def publish(self, topic: str, event: Event) -> None: ...


class KafkaEventBus:
    """Publishes events and dead letters on a FastStream Kafka broker."""

    def __init__(self, broker: KafkaBroker, *, consumer_name: str) -> None:
        self._broker = broker
        self._consumer_name = consumer_name

    @property
    def consumer_name(self) -> str:
        return self._consumer_name

    async def publish(self, topic: str, event: Event) -> None:
        # FastStream writes a `correlation_id` header of its own: given the event's, it is one header.
        await self._broker.publish(encode(event), topic=topic, key=event_key(event), correlation_id=str(event.correlation_id),
                                   headers=event_headers(event) | trace_headers())
        PRODUCED.labels(topic).inc()

    async def dead_letter(self, record: Record, reason: str) -> None:
        DEAD_LETTERS.labels(record.topic).inc()
        await self._broker.publish(
            record.body,
            topic=dead_letter_topic(record.topic),
            key=record.key,
            headers=dead_letter_headers(
                reason,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                consumer=self._consumer_name,
            ),
        )


def correlation_id_of(record: Record) -> UUID:
    """The correlation id a record carries in its header, or a new one if it has none."""
    try:
        return UUID(record.headers.get(HEADER_CORRELATION_ID, ""))
    except ValueError:
        return uuid4()


@dataclass(frozen=True)
class Backoff:
    """How long a consumer waits before handling a failed record again: doubling, capped below
    Kafka's poll interval so a long outage never costs the consumer its partitions."""

    first_seconds: float = 0.5
    max_seconds: float = 30.0

    def delay(self, failures: int) -> float:
        return min(self.max_seconds, self.first_seconds * 2 ** (failures - 1))


def subscribe(
    broker: KafkaBroker,
    bus: KafkaEventBus,
    *,
    topic: str,
    model: type[M],
    group_id: str | None,
    handle: Callable[[M, Record], Awaitable[None]] | None = None,
    handle_batch: Callable[[list[tuple[M, Record]]], Awaitable[None]] | None = None,
    backoff: Backoff = Backoff(),
    pattern: bool = False,
) -> None:
    """Consume `topic` as `model`, in batches: a record that breaks the contract goes to the
    dead-letter topic with the reason and the consumer goes on; a failure in `handle` (the store
    down, the broker unreachable) hands the batch back after a growing wait, and no record is ever
    skipped: the partition waits, so later records keep their order. Records of one referral (the
    key, else the model's `referral_id`) are handled in order, different referrals concurrently
    (service_kit/records.py); the batch is committed once, after all of it was handled.
    `handle_batch` instead takes the whole batch's valid records at once (for handlers that write
    them in bulk: tracking), in one span linked to each record's trace.

    `group_id=None` joins no consumer group: every process reads every partition from the earliest
    offset on each start and commits nothing, so a failure in `handle` is logged, not retried.

    `pattern=True`: `topic` is a regular expression; every topic it matches is consumed (one
    inbound topic per agency), and each record's own topic names where it came from."""
    if (handle is None) == (handle_batch is None):
        raise ValueError("subscribe takes one of handle and handle_batch")
    failing: dict[tuple[str, int, int], int] = {}  # the record failing now, and how often it failed

    async def on_record(parsed: M, record: Record, consumer: object) -> None:
        key = record.key.decode(errors="replace") if record.key else None
        try:
            with log_context(correlation_id=record.headers.get(HEADER_CORRELATION_ID), topic=topic, key=key), \
                    HANDLER_SECONDS.labels(record.topic).time(), \
                    span(f"consume {record.topic}", parent_headers=record.headers, consumer=bus.consumer_name,
                         referral=key or ""):
                await handle(parsed, record)
        except Exception:
            HANDLER_ERRORS.labels(record.topic).inc()
            failures = failing.get(record.position, 0) + 1
            failing.clear()
            failing[record.position] = failures
            raise
        failing.pop(record.position, None)
        CONSUMED.labels(record.topic).inc()
        record_lag(consumer, record.topic, record.partition, record.offset)

    async def on_whole_batch(valid: list[tuple[M, Record]], consumer: object) -> None:
        if not valid:
            return
        first = valid[0][1]
        try:
            with log_context(correlation_id=_listed(r.headers.get(HEADER_CORRELATION_ID) for _, r in valid), topic=topic,
                             key=_listed(r.key.decode(errors="replace") if r.key else None for _, r in valid)), \
                    HANDLER_SECONDS.labels(first.topic).time(), \
                    span(f"consume {first.topic}", parent_headers=first.headers, consumer=bus.consumer_name,
                         linked_headers=[record.headers for _, record in valid[1:]], records=str(len(valid))):
                await handle_batch(valid)
        except Exception:
            HANDLER_ERRORS.labels(first.topic).inc()
            failing[first.position] = failing.get(first.position, 0) + 1
            raise
        failing.clear()
        for _, record in valid:
            CONSUMED.labels(record.topic).inc()
            record_lag(consumer, record.topic, record.partition, record.offset)

    async def on_batch(message: KafkaMessageParam) -> None:
        records = [Record.of(raw) for raw in message.raw_message]
        valid: list[tuple[M, Record]] = []
        for record in records:
            try:
                valid.append((decode(model, record.body), record))
            except Rejected as rejected:  # (in a batch handed back, dead-lettered again: same origin headers)
                log.warning("record from %s dead-lettered: %s", record.topic, rejected.reason)
                await bus.dead_letter(record, rejected.reason)
        try:
            if handle_batch is not None:
                await on_whole_batch(valid, message.consumer)
            else:
                lanes = in_order_lanes(valid, lambda item: _lane(*item))
                await run_lanes(lanes, lambda item: on_record(*item, message.consumer), concurrency=CONCURRENCY)
        except Exception as error:
            if group_id is None:
                raise
            position, failures = next(iter(failing.items()), (records[0].position, 1))
            wait = backoff.delay(failures)
            log.warning("record %s:%s:%s failed (%s, attempt %d); its batch is handled again in %.1f s",
                        *position, type(error).__name__, failures, wait)
            await asyncio.sleep(wait)
            raise

    on_batch.__name__ = f"{group_id or 'ungrouped'}_on_{re.sub(r'[^a-z0-9]+', '_', topic).strip('_')}"
    defaults = SUBSCRIBER_DEFAULTS if group_id is not None else GROUPLESS_SUBSCRIBER_DEFAULTS
    where = {"pattern": topic} if pattern else {"topics": [topic]}
    broker.subscriber(*where.get("topics", []), pattern=where.get("pattern"), group_id=group_id, batch=True,
                      max_records=BATCH_RECORDS, batch_timeout_ms=BATCH_WAIT_MS, **defaults)(on_batch)


def _listed(values: Iterable[str | None], most: int = 5) -> str | None:
    """The distinct values of a batch for a log line: those of its referrals, the first few."""
    distinct = list(dict.fromkeys(v for v in values if v))
    return ",".join(distinct[:most]) + (f" (+{len(distinct) - most} more)" if len(distinct) > most else "") or None


def _lane(parsed: BaseModel, record: Record) -> object:
    """Which records must be handled in order: those of one referral."""
    if record.key:
        return record.key
    referral_id = getattr(parsed, "referral_id", None)
    return referral_id if referral_id is not None else record.position
