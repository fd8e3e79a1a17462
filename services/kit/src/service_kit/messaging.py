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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid4

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity
from faststream.kafka.annotations import KafkaMessage as KafkaMessageParam
from faststream.kafka.message import KafkaMessage
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
from .metrics import CONSUMED, DEAD_LETTERS, HANDLER_ERRORS, HANDLER_SECONDS, PRODUCED, record_lag

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

# Consumers commit only after the handler returned; an exception (store down, broker hiccup)
# seeks back so the same record is handled again, never skipped.
SUBSCRIBER_DEFAULTS: dict[str, Any] = {
    "auto_offset_reset": "earliest",
    "ack_policy": AckPolicy.NACK_ON_ERROR,
}

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
        await self._broker.publish(
            encode(event), topic=topic, key=event_key(event), headers=event_headers(event) | trace_headers()
        )
        PRODUCED.labels(topic).inc()

    async def dead_letter(self, message: KafkaMessage, reason: str) -> None:
        record = message.raw_message
        DEAD_LETTERS.labels(record.topic).inc()
        await self._broker.publish(
            message.body,
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


def correlation_id_of(message: KafkaMessage) -> UUID:
    """The correlation id a record carries in its header, or a new one if it has none."""
    try:
        return UUID(message.headers.get(HEADER_CORRELATION_ID, ""))
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
    handle: Callable[[M, KafkaMessage], Awaitable[None]],
    backoff: Backoff = Backoff(),
    pattern: bool = False,
) -> None:
    """Consume `topic` as `model`: a record that breaks the contract goes to the dead-letter
    topic with the reason and the consumer goes on; a failure in `handle` (the store down, the
    broker unreachable) is retried after a growing wait, and the record is never skipped: the
    partition waits for it, so later records keep their order.

    `group_id=None` joins no consumer group: every process reads every partition from the earliest
    offset on each start and commits nothing, so a failure in `handle` is logged, not retried.

    `pattern=True`: `topic` is a regular expression; every topic it matches is consumed (one
    inbound topic per agency), and each record's own topic names where it came from."""
    failing: dict[tuple[int, int], int] = {}  # (partition, offset) of the record failing now

    async def on_record(message: KafkaMessageParam) -> None:
        try:
            parsed = decode(model, message.body)
        except Rejected as rejected:
            log.warning("record from %s dead-lettered: %s", topic, rejected.reason)
            await bus.dead_letter(message, rejected.reason)
            return
        where = (message.raw_message.partition, message.raw_message.offset)
        key, source = message.raw_message.key, message.raw_message.topic
        try:
            with log_context(correlation_id=message.headers.get(HEADER_CORRELATION_ID), topic=topic,
                             key=key.decode(errors="replace") if key else None), \
                    HANDLER_SECONDS.labels(source).time(), \
                    span(f"consume {source}", parent_headers=message.headers, consumer=bus.consumer_name,
                         referral=key.decode(errors="replace") if key else ""):
                await handle(parsed, message)
            CONSUMED.labels(source).inc()
            record_lag(message, source, *where)
        except Exception as error:
            HANDLER_ERRORS.labels(source).inc()
            failures = failing.get(where, 0) + 1
            failing.clear()
            failing[where] = failures
            if group_id is None:
                raise
            wait = backoff.delay(failures)
            log.warning("record %s:%s:%s failed (%s, attempt %d); handled again in %.1f s",
                        topic, *where, type(error).__name__, failures, wait)
            await asyncio.sleep(wait)
            raise
        failing.pop(where, None)

    on_record.__name__ = f"{group_id or 'ungrouped'}_on_{re.sub(r'[^a-z0-9]+', '_', topic).strip('_')}"
    defaults = SUBSCRIBER_DEFAULTS if group_id is not None else GROUPLESS_SUBSCRIBER_DEFAULTS
    where = {"pattern": topic} if pattern else {"topics": [topic]}
    broker.subscriber(*where.get("topics", []), pattern=where.get("pattern"), group_id=group_id, **defaults)(on_record)
