"""How a subscription consumes: batches from Kafka, each record read against its contract, handled,
and no record ever able to stop the consumer.

FastStream is told to leave the bytes alone (a parser that reads any header, a decoder that
decodes nothing): left to itself it parses JSON and headers before the handler runs, and a record
it cannot parse (20 KB of nested brackets, a header that is not UTF-8) was handed back to Kafka,
fetched again and failed again, forever, with no dead letter and no log line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage as KafkaMessageParam
from pydantic import BaseModel

from referral_contracts.codec import HEADER_CORRELATION_ID, Rejected, decode

from .failures import RECORD_FAULT_ATTEMPTS, Backoff, describe, is_transient
from .logs import log_context
from .metrics import CONSUMED, HANDLER_ERRORS, HANDLER_SECONDS, record_lag
from .records import Record, in_order_lanes, run_lanes
from .tracing import span

if TYPE_CHECKING:
    from .messaging import KafkaEventBus, Refused

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
Item = tuple[Any, Record]

# Consumers commit only after the batch was handled; an exception hands the batch back (seek), so
# the same records are handled again, never skipped.
SUBSCRIBER_DEFAULTS: dict[str, Any] = {"auto_offset_reset": "earliest", "ack_policy": AckPolicy.NACK_ON_ERROR}
# Without a consumer group nothing can be committed (Kafka keeps offsets per group), so every start
# reads the topic from its earliest offset: how a process rebuilds in-memory state from a topic.
GROUPLESS_SUBSCRIBER_DEFAULTS: dict[str, Any] = {"auto_offset_reset": "earliest", "ack_policy": AckPolicy.MANUAL}
# A batch is what one fetch returns, at most BATCH_RECORDS; an idle consumer looks again after
# BATCH_WAIT_MS (FastStream also sleeps that long after an empty fetch: it bounds the latency it adds).
BATCH_RECORDS = 500
BATCH_WAIT_MS = 10
CONCURRENCY = 64  # referrals of one batch handled at once


async def tolerant_parser(batch: tuple[ConsumerRecord, ...], original: Callable[..., Awaitable[Any]]) -> Any:
    """FastStream's own batch parser, given headers it can always decode."""
    return await original(tuple(_readable_headers(record) for record in batch))


async def undecoded(message: Any, _original: Callable[..., Awaitable[Any]] | None = None) -> Any:
    """No decoding by FastStream: the subscription reads each record against its contract itself."""
    return message.body


def _readable_headers(record: ConsumerRecord) -> ConsumerRecord:
    headers = [(name, _utf8(value)) for name, value in record.headers]
    return dataclasses.replace(record, headers=headers) if headers != list(record.headers) else record


def _utf8(value: bytes | None) -> bytes:
    if value is None:
        return b""
    try:
        value.decode()
        return value
    except UnicodeDecodeError:
        return value.decode(errors="backslashreplace").encode()


class Subscription:
    def __init__(self, bus: KafkaEventBus, *, topic: str, model: type[BaseModel], grouped: bool,
                 handle: Callable[[Any, Record], Awaitable[None]] | None,
                 handle_batch: Callable[[list[Item]], Awaitable[None]] | None,
                 on_refused: Refused | None, backoff: Backoff) -> None:
        self.bus, self.topic, self.model, self.grouped = bus, topic, model, grouped
        self._handle, self._handle_batch, self._on_refused, self._backoff = handle, handle_batch, on_refused, backoff
        self._transient_failures = 0  # in a row: how long to wait before the batch is handled again

    async def on_batch(self, message: KafkaMessageParam) -> None:
        records = [Record.of(raw) for raw in message.raw_message]
        valid = await self._readable(records)
        try:
            await self._handle_all(valid, message.consumer)
        except Exception as error:  # noqa: BLE001 - sorted below: wait it out, or find the record at fault
            if not self.grouped:
                raise
            if is_transient(error, self.bus.transient):
                await self._wait_out(error, records)
                raise
            log.warning("batch of %s failed (%s); handling its records one by one", self.topic, describe(error))
            await self._handle_one_by_one(valid, message.consumer)
        self._transient_failures = 0
        for record in records:
            self.bus.progress.handled(record.topic, record.partition, record.offset)

    async def _readable(self, records: list[Record]) -> list[Item]:
        """The records that pass their contract; the rest go to the dead-letter topic, once."""
        valid: list[Item] = []
        for record in records:
            try:
                valid.append((decode(self.model, record.body), record))
            except Rejected as rejected:
                log.warning("record %s:%d:%d dead-lettered: %s", *record.position, rejected.reason)
                await self.bus.dead_letter(record, rejected.reason)
                if self._on_refused is not None:
                    await self._on_refused(record, rejected)
        return valid

    async def _handle_all(self, valid: list[Item], consumer: object) -> None:
        if not valid:
            return
        if self._handle_batch is not None:
            await self._run_batch(valid, consumer)
            return
        lanes = in_order_lanes(valid, lambda item: _lane(*item))
        await run_lanes(lanes, lambda item: self._run_one(item, consumer), concurrency=CONCURRENCY,
                        prefer=lambda error: is_transient(error, self.bus.transient))

    async def _handle_one_by_one(self, valid: list[Item], consumer: object) -> None:
        """After a failure that is not transient: each record alone, so only the one at fault is
        dead-lettered (after a few tries) and every other is handled."""
        for item in valid:
            for attempt in range(1, RECORD_FAULT_ATTEMPTS + 1):
                try:
                    await (self._run_batch([item], consumer) if self._handle_batch else self._run_one(item, consumer))
                    break
                except Exception as error:  # noqa: BLE001
                    if is_transient(error, self.bus.transient):
                        await self._wait_out(error, [item[1]])
                        raise
                    if attempt == RECORD_FAULT_ATTEMPTS:
                        reason = f"handling failed {attempt} times: {describe(error)}"
                        log.error("record %s:%d:%d dead-lettered: %s", *item[1].position, reason)
                        await self.bus.dead_letter(item[1], reason)
                    else:
                        await asyncio.sleep(self._backoff.delay(attempt))

    async def _wait_out(self, error: BaseException, records: list[Record]) -> None:
        self._transient_failures += 1
        wait = self._backoff.delay(self._transient_failures)
        for record in records[:1]:
            self.bus.progress.failed(record.topic, record.partition, describe(error))
            log.warning("batch from %s:%d:%d failed (%s, %d in a row); handled again in %.1f s",
                        *record.position, describe(error), self._transient_failures, wait)
        await asyncio.sleep(wait)

    async def _run_one(self, item: Item, consumer: object) -> None:
        parsed, record = item
        key = record.key.decode(errors="replace") if record.key else None
        try:
            with log_context(correlation_id=record.headers.get(HEADER_CORRELATION_ID), topic=record.topic, key=key), \
                    HANDLER_SECONDS.labels(record.topic).time(), \
                    span(f"consume {record.topic}", parent_headers=record.headers, consumer=self.bus.consumer_name,
                         referral=key or ""):
                await self._handle(parsed, record)
        except Exception:
            HANDLER_ERRORS.labels(record.topic).inc()
            raise
        CONSUMED.labels(record.topic).inc()
        record_lag(consumer, record.topic, record.partition, record.offset)

    async def _run_batch(self, valid: list[Item], consumer: object) -> None:
        first = valid[0][1]
        try:
            with log_context(correlation_id=_listed(r.headers.get(HEADER_CORRELATION_ID) for _, r in valid),
                             topic=first.topic, key=_listed(r.key.decode(errors="replace") if r.key else None
                                                            for _, r in valid)), \
                    HANDLER_SECONDS.labels(first.topic).time(), \
                    span(f"consume {first.topic}", parent_headers=first.headers, consumer=self.bus.consumer_name,
                         linked_headers=[record.headers for _, record in valid[1:]], records=str(len(valid))):
                await self._handle_batch(valid)
        except Exception:
            HANDLER_ERRORS.labels(first.topic).inc()
            raise
        for _, record in valid:
            CONSUMED.labels(record.topic).inc()
            record_lag(consumer, record.topic, record.partition, record.offset)


def register(broker: KafkaBroker, bus: KafkaEventBus, *, topic: str, model: type[BaseModel], group_id: str | None,
             handle: Any, handle_batch: Any, on_refused: Refused | None, backoff: Backoff, pattern: bool) -> Any:
    """Subscribe on the broker and have the bus watch the subscriber's progress."""
    subscription = Subscription(bus, topic=topic, model=model, grouped=group_id is not None, handle=handle,
                                handle_batch=handle_batch, on_refused=on_refused, backoff=backoff)

    async def on_batch(message: KafkaMessageParam) -> None:
        await subscription.on_batch(message)

    on_batch.__name__ = f"{group_id or 'ungrouped'}_on_{re.sub(r'[^a-z0-9]+', '_', topic).strip('_')}"
    defaults = SUBSCRIBER_DEFAULTS if group_id is not None else GROUPLESS_SUBSCRIBER_DEFAULTS
    where: dict[str, Any] = {"pattern": topic} if pattern else {}
    subscriber = broker.subscriber(*([] if pattern else [topic]), **where, group_id=group_id, batch=True,
                                   max_records=BATCH_RECORDS, batch_timeout_ms=BATCH_WAIT_MS,
                                   parser=tolerant_parser, decoder=undecoded, **defaults)
    subscriber(on_batch)
    bus.progress.watch(subscriber, grouped=group_id is not None)
    return subscriber


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
