"""How contract models travel as Kafka records, and how a consumer tells a good record from a bad one.

A record that cannot be decoded is never dropped: `decode` returns the reason, and the consumer
publishes the original bytes to the dead-letter topic with that reason (see `dead_letter_headers`).
"""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic_core

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


# A record larger than this is refused before it is parsed (Kafka's own default limit is 1 MB).
MAX_RECORD_BYTES = 1024 * 1024
WHOLE_RECORD = "(record)"


class Rejected(Exception):
    """A record that breaks its contract. `problems` names each (field, problem); `reason` says it
    in one line fit for a dead-letter header."""

    def __init__(self, reason: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason[:1000]
        self.problems = problems or [(WHOLE_RECORD, reason[:1000])]


def validation_problems(error: ValidationError) -> list[tuple[str, str]]:
    """Each problem pydantic found, as (dotted field path, what is wrong)."""
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"]) or WHOLE_RECORD
        problems.append((where, item["msg"]))
    return problems


def decode(model: type[M], raw: bytes) -> M:
    """Parse one record's value as `model`, or raise `Rejected` naming the fields at fault.

    Whatever the bytes (invalid UTF-8, nesting deeper than the parser's limit, the wrong types, an
    unknown version, a value too large), the answer is the model or `Rejected`, never another
    exception: a consumer must be able to dead-letter any record and go on."""
    if len(raw) > MAX_RECORD_BYTES:
        raise Rejected(f"{model.__name__}: {len(raw)} bytes, more than the {MAX_RECORD_BYTES} a record may carry")
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        problems = validation_problems(error)
        reason = "; ".join(f"{where}: {problem}" for where, problem in problems)
        raise Rejected(f"{model.__name__}: {reason}", problems) from None
    except Exception as error:  # noqa: BLE001 - e.g. RecursionError: any failure to read is the record's
        raise Rejected(f"{model.__name__}: unreadable ({type(error).__name__})") from None


def readable_json(raw: bytes | None) -> Any:
    """The JSON value in a record, or None for anything that is not readable JSON: for tools and
    rebuilds that read what any producer put on a topic (nesting deeper than the parser goes, or
    invalid UTF-8, is unreadable, not an exception)."""
    try:
        return pydantic_core.from_json(raw or b"")
    except Exception:  # noqa: BLE001 - any failure to read means: not readable JSON
        return None


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
