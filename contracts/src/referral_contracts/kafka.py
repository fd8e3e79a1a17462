"""The Kafka side of the contract, shared so every service writes records the same way.

Optional (`referral-contracts[kafka]`): the schemas themselves need only pydantic.
- every producer uses acks=all with idempotence, so an acknowledged event survives a broker
  failover and a producer retry never writes it twice;
- every event is keyed by its referral id and carries type, version and correlation id headers;
- a record that breaks its contract goes to `<topic>.dlq` with the reason and its origin.
"""

from __future__ import annotations

from typing import Any, Protocol

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage

from .codec import dead_letter_headers, encode, event_headers, event_key
from .envelope import Event
from .topics import dead_letter_topic

# Consumers commit only after the handler returned; an exception (store down, broker hiccup)
# seeks back so the same record is handled again, never skipped.
SUBSCRIBER_DEFAULTS: dict[str, Any] = {
    "auto_offset_reset": "earliest",
    "ack_policy": AckPolicy.NACK_ON_ERROR,
}


def new_broker(bootstrap_servers: str, *, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        logger=None,  # services log through their own structured logger
    )


class EventPublisher(Protocol):
    async def publish(self, topic: str, event: Event) -> None: ...


class KafkaEventBus:
    """Publishes events and dead letters on a FastStream Kafka broker."""

    def __init__(self, broker: KafkaBroker, *, consumer_name: str) -> None:
        self._broker = broker
        self._consumer_name = consumer_name

    async def publish(self, topic: str, event: Event) -> None:
        await self._broker.publish(
            encode(event), topic=topic, key=event_key(event), headers=event_headers(event)
        )

    async def dead_letter(self, message: KafkaMessage, reason: str) -> None:
        record = message.raw_message
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
