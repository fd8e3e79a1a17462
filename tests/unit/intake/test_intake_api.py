"""Intake's HTTP API and inbound topics, with FastStream's in-memory test broker."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import pytest
import httpx
from faststream.kafka import TestKafkaBroker

from intake.config import Settings
from intake.entrypoints.app import create_app
from referral_contracts import ReferralSubmitted, topics
from referral_contracts.codec import HEADER_DLQ_REASON, HEADER_DLQ_SOURCE_TOPIC, decode
from referral_contracts.outbound import Channel, InboundRefused, OutboundMessage, ReferralReceived, RefusedKind

from factories import referral_payload
from broker_recording import recorder

GP_NORTH_INBOUND = topics.referrals_inbound("gp-north")
GP_NORTH_OUTBOUND = topics.referrals_outbound("gp-north")



def client_for(app) -> httpx.AsyncClient:
    # The in-memory broker is started by TestKafkaBroker, so the app's lifespan is not needed.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake",
                             headers=app.state.test_keys.headers("gp-north"))



@pytest.fixture
def intake(api_keys):
    """The app with its broker swapped for FastStream's in-memory one; records every publish."""
    app = create_app(Settings(api_keys_path=str(api_keys.hashes_path)))
    app.state.test_keys = api_keys
    broker = app.state.broker
    published: dict[str, list] = {topics.REFERRAL_SUBMITTED: [],
                                  topics.dead_letter_topic(GP_NORTH_INBOUND): [],
                                  GP_NORTH_OUTBOUND: [], topics.referrals_outbound("ed-central"): []}
    for topic, records in published.items():
        broker.subscriber(topic, group_id="test-observer")(recorder(records))
    return app, broker, published


async def test_a_valid_referral_is_accepted_and_published_keyed_by_its_id(intake) -> None:
    app, broker, published = intake
    async with TestKafkaBroker(broker), client_for(app) as client:
        response = await client.post("/v1/referrals", json=referral_payload(), headers={"X-Correlation-ID": str(uuid4())})
    assert response.status_code == 202, response.text
    body = response.json()
    [message] = published[topics.REFERRAL_SUBMITTED]
    submitted = decode(ReferralSubmitted, message.body)
    assert message.raw_message.key == str(submitted.referral_id).encode()
    assert submitted.referral_id == UUID(body["referral_id"])
    assert str(submitted.correlation_id) == response.headers["X-Correlation-ID"] == body["correlation_id"]
    assert submitted.actor.agency_id == "gp-north"
    assert submitted.data.person.family_name == "Example"


async def test_resubmitting_the_same_reference_names_the_same_referral(intake) -> None:
    app, broker, _ = intake
    async with TestKafkaBroker(broker), client_for(app) as client:
        first = (await client.post("/v1/referrals", json=referral_payload())).json()
        again = (await client.post("/v1/referrals", json=referral_payload())).json()
        other = (await client.post("/v1/referrals", json=referral_payload(client_reference="GPN-2"))).json()
    assert first["referral_id"] == again["referral_id"] != other["referral_id"]
    assert first["event_id"] == again["event_id"]


async def test_a_changed_package_is_a_new_revision_of_the_same_referral(intake) -> None:
    app, broker, _ = intake
    async with TestKafkaBroker(broker), client_for(app) as client:
        first = (await client.post("/v1/referrals", json=referral_payload())).json()
        revised = (await client.post("/v1/referrals", json=referral_payload(current_services=["GP"]))).json()
    assert first["referral_id"] == revised["referral_id"] and first["event_id"] != revised["event_id"]


async def test_a_missing_field_is_refused_with_422_naming_it(intake) -> None:
    app, broker, published = intake
    payload = referral_payload()
    del payload["person"]["date_of_birth"]
    async with TestKafkaBroker(broker), client_for(app) as client:
        response = await client.post("/v1/referrals", json=payload)
    assert response.status_code == 422
    assert ["body", "person", "date_of_birth"] in [e["loc"] for e in response.json()["detail"]]
    assert published[topics.REFERRAL_SUBMITTED] == []


async def test_inbound_topic_takes_the_http_payload_and_dead_letters_bad_records(intake) -> None:
    _, broker, published = intake
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(json.dumps(referral_payload()).encode(), topic=GP_NORTH_INBOUND)
        await test_broker.publish(b'{"client_reference": "x"}', topic=GP_NORTH_INBOUND, key=b"k")
        # Another agency's referral on gp-north's topic: gp-north may not send as ed-central.
        await test_broker.publish(json.dumps(referral_payload(source_agency_id="ed-central")).encode(),
                                  topic=GP_NORTH_INBOUND, key=b"as-other")
    assert len(published[topics.REFERRAL_SUBMITTED]) == 1
    dead, impersonated = published[topics.dead_letter_topic(GP_NORTH_INBOUND)]
    assert dead.body == b'{"client_reference": "x"}' and dead.raw_message.key == b"k"
    assert dead.headers[HEADER_DLQ_SOURCE_TOPIC] == GP_NORTH_INBOUND
    assert "source_agency_id" in dead.headers[HEADER_DLQ_REASON]
    assert impersonated.raw_message.key == b"as-other"
    assert impersonated.headers[HEADER_DLQ_REASON] == ("source_agency_id: ed-central may not be sent on "
                                                       "gp-north's inbound topic")


async def test_an_agency_sends_only_its_own_referrals_and_only_with_a_valid_key(intake) -> None:
    app, broker, published = intake
    async with TestKafkaBroker(broker), client_for(app) as client:
        as_other = await client.post("/v1/referrals", json=referral_payload(),
                                     headers=app.state.test_keys.headers("ed-central"))
        without = await client.post("/v1/referrals", json=referral_payload(), headers={"Authorization": ""})
        forged = await client.post("/v1/referrals", json=referral_payload(),
                                   headers={"Authorization": "Bearer rk_abcdef012345_not-the-secret"})
    assert as_other.status_code == 403 and "source_agency_id" in as_other.json()["detail"]
    assert "Jordan" not in as_other.text
    assert (without.status_code, forged.status_code) == (401, 401)
    assert published[topics.REFERRAL_SUBMITTED] == []


async def test_each_submission_gets_a_receipt_on_the_senders_own_topic(intake) -> None:
    app, broker, published = intake
    async with TestKafkaBroker(broker) as test_broker, client_for(app) as client:
        by_http = (await client.post("/v1/referrals", json=referral_payload())).json()
        await test_broker.publish(json.dumps(referral_payload(client_reference="GPN-K")).encode(), topic=GP_NORTH_INBOUND)
    receipts = [decode(OutboundMessage, m.body).root for m in published[GP_NORTH_OUTBOUND]]
    assert [type(r) for r in receipts] == [ReferralReceived, ReferralReceived]
    http, kafka = receipts
    assert str(http.referral_id) == by_http["referral_id"] and http.data.channel is Channel.HTTP
    assert str(http.data.revision_event_id) == by_http["event_id"] and http.data.client_reference == "GPN-2026-0001"
    assert kafka.data.channel is Channel.KAFKA and kafka.data.client_reference == "GPN-K"
    assert kafka.data.inbound.topic == GP_NORTH_INBOUND and kafka.data.inbound.offset >= 0
    assert published[topics.referrals_outbound("ed-central")] == [], "nobody else hears of it"


async def test_a_refused_record_is_explained_to_its_agency_naming_every_problem(intake) -> None:
    _, broker, published = intake
    payload = referral_payload(client_reference="GPN-BAD")
    del payload["person"]["date_of_birth"]
    payload["consent"] = {"status": "sometimes"}
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(json.dumps(payload).encode(), topic=GP_NORTH_INBOUND, key=b"k")
        await test_broker.publish(b"[" * 10_000 + b"]" * 10_000, topic=GP_NORTH_INBOUND, key=b"deep")
        await test_broker.publish(json.dumps(referral_payload(source_agency_id="ed-central")).encode(),
                                  topic=GP_NORTH_INBOUND, key=b"as-other")
    refusals = [decode(OutboundMessage, m.body).root for m in published[GP_NORTH_OUTBOUND]]
    assert [type(r) for r in refusals] == [InboundRefused] * 3
    missing, deep, impersonated = (r.data for r in refusals)
    assert missing.kind is RefusedKind.REFERRAL and missing.client_reference == "GPN-BAD"
    assert {p.field for p in missing.problems} == {"person.date_of_birth", "consent.status"}
    assert deep.client_reference is None and deep.problems[0].field == "(record)"
    assert impersonated.problems[0].field == "source_agency_id"
    assert len(published[topics.dead_letter_topic(GP_NORTH_INBOUND)]) == 3
    assert published[topics.referrals_outbound("ed-central")] == [], "the topic's agency is told, not the one named"
