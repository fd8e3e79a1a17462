"""Kafka for every service: one way to publish, one way to subscribe to a contract.

- every producer uses acks=all with idempotence, so an acknowledged event survives a broker
  failover and a producer retry never writes it twice;
- every event is keyed by its referral id and carries type, version and correlation id headers;
- no record can stop a consumer: one that cannot be read or breaks its contract goes to
  `<topic>.dlq` with the reason, once, and is never retried; one whose handling fails for a reason
  of its own is dead-lettered after a few tries; only transient failures (service_kit.failures)
  are waited out, never skipped; a consumer that makes no progress says so (service_kit.progress).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid4

from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity
from pydantic import BaseModel

from referral_contracts.codec import (
    HEADER_CONTENT_TYPE,
    HEADER_CORRELATION_ID,
    Rejected,
    dead_letter_headers,
    encode,
    event_headers,
    event_key,
)
from referral_contracts.envelope import EventBase
from referral_contracts.topics import dead_letter_topic

from .consumer import register
from .failures import Backoff
from .metrics import DEAD_LETTERS, PRODUCED
from .progress import ConsumerProgress
from .records import Record
from .tracing import trace_headers

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
Refused = Callable[[Record, Rejected], Awaitable[None]]

__all__ = ["Backoff", "EventPublisher", "KafkaEventBus", "correlation_id_of", "new_broker", "subscribe"]


def new_broker(bootstrap_servers: str, *, client_id: str, security: BaseSecurity | None = None) -> KafkaBroker:
    """`bootstrap_servers` as KAFKA_BOOTSTRAP_SERVERS gives it: one address or several, comma-separated
    (a cluster's brokers; any one that answers will do). FastStream takes one string as one address."""
    return KafkaBroker(
        bootstrapping_addresses(bootstrap_servers),
        client_id=client_id,
        security=security,
        acks="all",
        enable_idempotence=True,
        # On SIGTERM, handlers in flight finish (and their records are committed) before the
        # consumers close; what is still running after this is redelivered to the next owner.
        graceful_timeout=15.0,
        logger=None,  # services log through their own structured logger
    )


def bootstrapping_addresses(bootstrap_servers: str) -> list[str]:
    """"a:9092, b:9092" -> ["a:9092", "b:9092"]."""
    return [address.strip() for address in bootstrap_servers.split(",") if address.strip()]


class EventPublisher(Protocol):
    async def publish(self, topic: str, event: EventBase) -> None: ...


class KafkaEventBus:
    """Publishes events and dead letters on a FastStream Kafka broker, and knows how this service's
    consumers fail (`transient`: its adapters' errors worth waiting out) and whether they move."""

    def __init__(self, broker: KafkaBroker, *, consumer_name: str, transient: tuple[type[BaseException], ...] = (),
                 stall_seconds: float = 60.0) -> None:
        self._broker = broker
        self._consumer_name = consumer_name
        self.transient = transient
        self.progress = ConsumerProgress(stall_seconds)
        self._dead_lettered: OrderedDict[tuple[object, ...], None] = OrderedDict()

    @property
    def consumer_name(self) -> str:
        return self._consumer_name

    @property
    def broker(self) -> KafkaBroker:
        return self._broker

    async def publish(self, topic: str, event: EventBase) -> None:
        # FastStream writes a `correlation_id` header of its own: given the event's, it is one header.
        await self._broker.publish(encode(event), topic=topic, key=event_key(event), correlation_id=str(event.correlation_id),
                                   headers=event_headers(event) | trace_headers())
        PRODUCED.labels(topic).inc()

    async def dead_letter(self, record: Record, reason: str) -> None:
        """The record's bytes to `<topic>.dlq` with why and where from; once per record, also when
        the batch it came in is handled again after a transient failure."""
        seen = (*record.position, record.key, hash(record.body))  # in-memory test brokers repeat offsets
        if seen in self._dead_lettered:
            return
        DEAD_LETTERS.labels(record.topic).inc()
        await self._broker.publish(
            record.body, topic=dead_letter_topic(record.topic), key=record.key,
            correlation_id=str(correlation_id_of(record)),
            headers={HEADER_CONTENT_TYPE: record.headers.get(HEADER_CONTENT_TYPE) or "application/octet-stream"}
            | dead_letter_headers(reason, topic=record.topic, partition=record.partition, offset=record.offset,
                                  consumer=self._consumer_name))
        self._dead_lettered[seen] = None
        while len(self._dead_lettered) > 10_000:  # records far behind the committed offset never come back
            self._dead_lettered.popitem(last=False)


def correlation_id_of(record: Record) -> UUID:
    """The correlation id a record carries in its header, or a new one if it has none."""
    try:
        return UUID(record.headers.get(HEADER_CORRELATION_ID, ""))
    except ValueError:
        return uuid4()


def subscribe(
    broker: KafkaBroker,
    bus: KafkaEventBus,
    *,
    topic: str,
    model: type[M],
    group_id: str | None,
    handle: Callable[[M, Record], Awaitable[None]] | None = None,
    handle_batch: Callable[[list[tuple[M, Record]]], Awaitable[None]] | None = None,
    on_refused: Refused | None = None,
    backoff: Backoff = Backoff(),
    pattern: bool = False,
) -> Any:
    """Consume `topic` as `model`, in batches (service_kit.consumer): records of one referral in
    order, different referrals concurrently, one commit per batch; `handle_batch` instead takes the
    batch's readable records at once (for handlers that write them in bulk: tracking).

    A record that cannot be read goes to the dead-letter topic with the reason and `on_refused` is
    told (e.g. to answer the agency that sent it); the consumer goes on.

    `group_id=None` joins no consumer group: every process reads every partition from the earliest
    offset on each start and commits nothing.

    `pattern=True`: `topic` is a regular expression; every topic it matches is consumed (one
    inbound topic per agency), and each record's own topic names where it came from.
    Returns the FastStream subscriber (its progress is watched by `bus.progress`)."""
    if (handle is None) == (handle_batch is None):
        raise ValueError("subscribe takes one of handle and handle_batch")
    return register(broker, bus, topic=topic, model=model, group_id=group_id, handle=handle,
                    handle_batch=handle_batch, on_refused=on_refused, backoff=backoff, pattern=pattern)
