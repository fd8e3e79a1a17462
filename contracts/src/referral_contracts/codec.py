"""How contract models travel as Kafka records, and how a consumer tells a good record from a bad one.

A record that cannot be decoded is never dropped: `decode` returns the reason, and the consumer
publishes the original bytes to the dead-letter topic with that reason (see `dead_letter_headers`).
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .envelope import EventBase

# Headers mirror the envelope's own field names, so a consumer can route or trace a record without
# parsing it. `correlation_id` is also the header FastStream reads and writes: one correlation
# header, the same value as the envelope's. Values are JSON, so `content-type` says so.
HEADER_EVENT_TYPE = "event_type"
HEADER_SCHEMA_VERSION = "schema_version"
HEADER_CORRELATION_ID = "correlation_id"
HEADER_CONTENT_TYPE = "content-type"
JSON = "application/json"

HEADER_DLQ_REASON = "dlq-reason"
HEADER_DLQ_SOURCE_TOPIC = "dlq-source-topic"
HEADER_DLQ_SOURCE_PARTITION = "dlq-source-partition"
HEADER_DLQ_SOURCE_OFFSET = "dlq-source-offset"
HEADER_DLQ_CONSUMER = "dlq-consumer"

M = TypeVar("M", bound=BaseModel)


def event_key(event: EventBase) -> bytes:
    return event.partition_key().encode()


def event_headers(event: EventBase) -> dict[str, str]:
    return {
        HEADER_EVENT_TYPE: event.event_type,
        HEADER_SCHEMA_VERSION: str(event.schema_version),
        HEADER_CORRELATION_ID: str(event.correlation_id),
        HEADER_CONTENT_TYPE: JSON,
    }


def encode(model: BaseModel) -> bytes:
    return model.model_dump_json().encode()


class Rejected(Exception):
    """A record that breaks its contract; `reason` says how, in words fit for a dead-letter header."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe_validation_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"]) or "(root)"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def decode(model: type[M], raw: bytes) -> M:
    """Parse one record's value as `model`, or raise `Rejected` naming the fields at fault."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise Rejected(f"{model.__name__}: {describe_validation_error(error)}"[:1000]) from None


def dead_letter_headers(
    reason: str, *, topic: str, partition: int, offset: int, consumer: str
) -> dict[str, str]:
    return {
        HEADER_DLQ_REASON: reason,
        HEADER_DLQ_SOURCE_TOPIC: topic,
        HEADER_DLQ_SOURCE_PARTITION: str(partition),
        HEADER_DLQ_SOURCE_OFFSET: str(offset),
        HEADER_DLQ_CONSUMER: consumer,
    }
