"""Triage's subscription with FastStream's in-memory broker and the demo directory and policy."""

from __future__ import annotations

from faststream.kafka import TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from referral_contracts import ReferralTriaged, TriageOutcome, topics
from referral_contracts.codec import decode, encode
from triage.config import Settings
from triage.entrypoints.app import create_app

from event_factories import submitted


def recorder(records: list):
    def record(message: KafkaMessage) -> None:
        records.append(message)

    return record


async def test_a_submission_is_triaged_once_even_when_redelivered() -> None:
    app = create_app(Settings())
    broker = app.state.broker
    decisions: list = []
    broker.subscriber(topics.REFERRAL_TRIAGED, group_id="observer")(recorder(decisions))
    event = submitted()
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(encode(event), topic=topics.REFERRAL_SUBMITTED)
        await test_broker.publish(encode(event), topic=topics.REFERRAL_SUBMITTED)
    first, again = (decode(ReferralTriaged, m.body) for m in decisions)
    assert first.event_id == again.event_id and first.causation_id == event.event_id
    assert first.data.outcome is TriageOutcome.ASSIGNED and first.data.lead_agency_id == "cmh-east"
    assert first.data.contact_deadline > event.occurred_at
    assert first.actor.agency_id == "triage-desk"
    assert decisions[0].raw_message.key == str(event.referral_id).encode()
