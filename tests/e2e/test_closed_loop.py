"""One referral, end to end: the five services as processes, the real broker, store and SMTP sink.

POST to intake -> triage assigns a lead -> tracking shows it -> the lead records milestones on
tracking -> tracking closes the loop -> the notifier emails the closure to the sending agency.
"""

from __future__ import annotations

import json
import time
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from referral_contracts import topics
from referral_contracts.codec import HEADER_DLQ_REASON

from factories import referral_payload
from polling import eventually, referral_in

pytestmark = pytest.mark.e2e
LEAD = {"agency_id": "cmh-east", "person": "Sam Lee"}


def test_a_referral_travels_the_whole_loop_and_the_sender_gets_an_email(running_services, api_keys, smtp_sink) -> None:
    intake, tracking = running_services["intake"], running_services["tracking"]
    reference = f"E2E-{uuid4().hex[:8]}"
    sender, lead = api_keys.headers("gp-north"), api_keys.headers("cmh-east")

    accepted = httpx.post(f"{intake}/v1/referrals", json=referral_payload(client_reference=reference), headers=sender)
    assert accepted.status_code == 202, accepted.text
    referral_id = accepted.json()["referral_id"]

    assigned = eventually(referral_in(tracking, referral_id, "assigned", sender), "triage to assign a lead")
    assert assigned["lead_agency_id"] == "cmh-east" and assigned["tier"] == "routine"
    assert assigned["contact_deadline"] > assigned["submitted_at"]
    assert [a["agency_id"] for a in assigned["accountable"]] == ["cmh-east"]

    out_of_turn = {"kind": "engaged", "actor": {"agency_id": "gp-north", "person": "Dr Amara Okafor"}}
    refused = httpx.post(f"{tracking}/v1/referrals/{referral_id}/milestones", json=out_of_turn, headers=sender)
    assert refused.status_code == 409 and "state assigned" in refused.json()["detail"]

    for milestone in [
        {"kind": "acknowledged", "actor": LEAD},
        {"kind": "accepted", "owner": "Sam Lee", "actor": LEAD},
        {"kind": "contact_attempted", "attempt_number": 1, "outcome": "reached", "channel": "phone", "actor": LEAD},
        {"kind": "engaged", "actor": LEAD},
    ]:
        response = httpx.post(f"{tracking}/v1/referrals/{referral_id}/milestones", json=milestone, headers=lead)
        assert response.status_code == 201, response.text

    closed = eventually(referral_in(tracking, referral_id, "closed", sender), "tracking to close the loop")
    assert closed["closure"]["outcome"] == "engaged" and closed["owner"] == "Sam Lee"
    assert not [entry for entry in closed["timeline"] if entry["refused"]], "a refused command left a trace"
    periods = closed["accountability"]
    assert all(a["end"] == b["start"] for a, b in zip(periods, periods[1:])), "accountability had a gap"

    def closure_email():
        return [m for m in smtp_sink.messages() if reference in m.get_body(("plain",)).get_content()]

    [email] = eventually(closure_email, "the closure email in the SMTP sink")
    assert email["To"] == "referrals@gp-north.example"
    body = email.get_body(("plain",)).get_content()
    assert referral_id in body and "engaged" in body.lower()
    assert "Jordan" not in body and "1990" not in body, "the closure email carries no personal data"


async def test_a_malformed_inbound_record_lands_in_the_dead_letter_topic(
    running_services, kafka
) -> None:
    marker = uuid4().hex.encode()
    producer = AIOKafkaProducer(**kafka.client("gp-north"), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(
            topics.referrals_inbound("gp-north"), json.dumps({"client_reference": "no-person"}).encode(), key=marker
        )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topics.dead_letter_topic(topics.referrals_inbound("gp-north")), **kafka.client(),  # the operator reads
        auto_offset_reset="earliest", group_id=f"e2e-{marker.decode()}",
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + 30
        found = None
        while found is None and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            found = next((r for records in batch.values() for r in records if r.key == marker), None)
    finally:
        await consumer.stop()
    assert found is not None, "the malformed record never reached the dead-letter topic"
    reason = dict(found.headers)[HEADER_DLQ_REASON].decode()
    assert "person" in reason and "source_agency_id" in reason
