"""An agency's inbound record the platform does not take: its bytes go to the dead-letter topic (for
the platform's people: agencies may not read it) and the agency hears why on its own outbound
topic, every problem named by its field, as an HTTP client reads a 4xx.
"""

from __future__ import annotations

from uuid import UUID

from referral_contracts import Actor, derived_id, topics
from referral_contracts.codec import Rejected, readable_json
from referral_contracts.outbound import InboundPosition, InboundRefused, Problem, Refusal, RefusedKind

from .messaging import KafkaEventBus, correlation_id_of
from .records import Record


async def refuse_inbound(bus: KafkaEventBus, record: Record, *, kind: RefusedKind, problems: list[tuple[str, str]],
                         referral_id: UUID | None = None) -> None:
    """Dead-letter the record and tell the agency whose inbound topic it came from. The refusal's
    id derives from the record's position: the same record refused again is the same refusal."""
    await bus.dead_letter(record, "; ".join(f"{field}: {problem}" for field, problem in problems))
    agency = topics.inbound_agency(record.topic)
    if agency is None:
        return
    named = readable_fields(record.body)
    refusal = InboundRefused.create(
        event_id=derived_id("inbound-refused", *record.position), referral_id=referral_id,
        correlation_id=correlation_id_of(record), actor=Actor(agency_id=f"platform-{bus.consumer_name}"),
        data=Refusal(kind=kind, inbound=InboundPosition(topic=record.topic, partition=record.partition,
                                                        offset=record.offset),
                     client_reference=named.get("client_reference"), milestone_id=_uuid(named.get("milestone_id")),
                     problems=[Problem(field=field, problem=problem[:1000]) for field, problem in problems]))
    await bus.publish(topics.referrals_outbound(agency), refusal)


def refusal_of(bus: KafkaEventBus, kind: RefusedKind):
    """An `on_refused` hook for `subscribe`: a record that breaks its contract is refused to its agency."""

    async def refuse(record: Record, rejected: Rejected) -> None:
        named = readable_fields(record.body)
        await refuse_inbound(bus, record, kind=kind, problems=rejected.problems, referral_id=_uuid(named.get("referral_id")))

    return refuse


def readable_fields(body: bytes) -> dict[str, str]:
    """Best effort, for the agency's sake: the references a refused record gives, if its JSON can
    be read at all (short strings only; anything else is left out)."""
    document = readable_json(body)
    if not isinstance(document, dict):
        return {}
    return {k: v for k in ("client_reference", "milestone_id", "referral_id")
            if isinstance(v := document.get(k), str) and 0 < len(v) <= 100}


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None
