"""The event envelope every topic carries.

Each event says what happened (type and schema version), to which referral (the Kafka key, so one
referral's events stay ordered), who acted and when, and which request it belongs to (correlation
id) and which event caused it (causation id).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Self
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from . import clock

# Deterministic ids let a redelivered input produce the very same output event, so consumers
# downstream can drop the repeat by id.
ID_NAMESPACE = uuid5(NAMESPACE_URL, "urn:closed-loop-referrals")


def derived_id(*parts: object) -> UUID:
    """A stable id from its parts: the same parts always give the same id."""
    return uuid5(ID_NAMESPACE, ":".join(str(p) for p in parts))


def utc_now() -> datetime:
    """The platform's time (see clock: tests may shift it), to the stored precision."""
    return to_stored_precision(clock.now())


def to_stored_precision(moment: datetime) -> datetime:
    """UTC, to the millisecond: what a BSON date keeps, so a time read back from the store equals
    the time in the event it came from."""
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class Contract(BaseModel):
    """Base of every contract model: immutable, and unknown fields are an error, not silence.

    Every time zone-aware moment is kept to the millisecond, in UTC: what a BSON date keeps. A
    deadline read back from the store then equals the deadline in the event it came from, which
    the deadline watcher relies on to recognise a rung it fired."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _stored_precision(cls, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return to_stored_precision(value)
        return value


class Actor(Contract):
    """Who acted: an agency and, for people, the named person."""

    agency_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    person: str | None = Field(
        default=None, min_length=1, max_length=200,
        description="The named person who acted; absent when a platform service acted.",
    )


class EventBase(Contract):
    """Envelope fields shared by all events.

    Each subclass pins `event_type` and `schema_version` as literals with defaults (the pair names
    one released schema) and types `data`.
    """

    # On the wire every event carries its type and version, so the published schema requires them.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    event_id: UUID
    event_type: str
    schema_version: int
    correlation_id: UUID
    causation_id: UUID | None = None
    actor: Actor
    occurred_at: AwareDatetime
    data: Any

    def partition_key(self) -> str:
        raise NotImplementedError

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return to_stored_precision(value)

    @classmethod
    def type_name(cls) -> str:
        return cls.model_fields["event_type"].default

    @classmethod
    def version(cls) -> int:
        return cls.model_fields["schema_version"].default

    @classmethod
    def create(
        cls,
        *,
        correlation_id: UUID,
        actor: Actor,
        data: Any,
        causation_id: UUID | None = None,
        occurred_at: datetime | None = None,
        event_id: UUID | None = None,
        **key_fields: Any,
    ) -> Self:
        return cls(
            event_id=event_id or uuid4(),
            event_type=cls.type_name(),
            schema_version=cls.version(),
            correlation_id=correlation_id,
            causation_id=causation_id,
            actor=actor,
            occurred_at=occurred_at or utc_now(),
            data=data,
            **key_fields,
        )


class Event(EventBase):
    """An event about one referral. Its id is the Kafka key: one referral's events stay ordered."""

    referral_id: UUID

    def partition_key(self) -> str:
        return str(self.referral_id)


class DirectoryEvent(EventBase):
    """An event about one service in the resource directory, keyed by the service id."""

    service_id: str = Field(min_length=1, max_length=64)

    def partition_key(self) -> str:
        return self.service_id
