"""Triage's subscriptions with FastStream's in-memory broker and the demo directory and policy."""

from __future__ import annotations

from uuid import uuid4

import pytest
from faststream.kafka import TestKafkaBroker

from referral_contracts import (
    Actor,
    CapacityChange,
    CapacityChanged,
    ReferralTriaged,
    Reroute,
    RerouteRequested,
    TriageOutcome,
    derived_id,
    topics,
)
from referral_contracts.codec import decode, encode
from triage.config import Settings
from triage.entrypoints.app import create_app

from event_factories import at, submitted
from factories import referral_request
from broker_recording import recorder



@pytest.fixture
def triage_app():
    """The app over the demo files, with every published decision recorded."""
    app = create_app(Settings())
    decisions: list = []
    app.state.broker.subscriber(topics.REFERRAL_TRIAGED, group_id="observer")(recorder(decisions))
    return app, decisions


def reroute_requested(referral_id, *, current: str, excluded: list[str], suggested: str | None = None) -> RerouteRequested:
    data = Reroute(request=referral_request(), current_lead_agency_id=current, excluded_agencies=excluded,
                   reason="no_capacity", reason_text="Caseload full", suggested_agency_id=suggested)
    return RerouteRequested.create(referral_id=referral_id, correlation_id=uuid4(),
                                   actor=Actor(agency_id=current, person="Sam Lee"), data=data, occurred_at=at(60))


def capacity_changed(service_id: str, agency_id: str, capacity: str) -> CapacityChanged:
    return CapacityChanged.create(service_id=service_id, correlation_id=uuid4(),
                                  actor=Actor(agency_id=agency_id, person="Ana Silva"),
                                  data=CapacityChange(agency_id=agency_id, capacity=capacity))


async def test_a_submission_is_triaged_once_even_when_redelivered(triage_app) -> None:
    app, decisions = triage_app
    event = submitted()
    async with TestKafkaBroker(app.state.broker) as test_broker:
        await test_broker.publish(encode(event), topic=topics.REFERRAL_SUBMITTED)
        await test_broker.publish(encode(event), topic=topics.REFERRAL_SUBMITTED)
    first, again = (decode(ReferralTriaged, m.body) for m in decisions)
    assert first.event_id == again.event_id and first.causation_id == event.event_id
    assert first.data.outcome is TriageOutcome.ASSIGNED and first.data.lead_agency_id == "cmh-east"
    assert first.data.contact_deadline > event.occurred_at
    assert first.actor.agency_id == "triage-desk"
    assert decisions[0].raw_message.key == str(event.referral_id).encode()


async def test_a_revision_is_triaged_again_with_its_own_decision(triage_app) -> None:
    app, decisions = triage_app
    original = submitted(person={**referral_request().person.model_dump(mode="json"),
                                 "contact": {"preferred_method": "letter", "address": "1 Example Road"}})
    revision = submitted(original.referral_id, minute=30)  # the sender answered: a phone number
    async with TestKafkaBroker(app.state.broker) as test_broker:
        await test_broker.publish(encode(original), topic=topics.REFERRAL_SUBMITTED)
        await test_broker.publish(encode(revision), topic=topics.REFERRAL_SUBMITTED)
    first, second = (decode(ReferralTriaged, m.body) for m in decisions)
    assert first.data.outcome is TriageOutcome.CLARIFICATION_NEEDED
    assert first.data.missing_information == ["person.contact.phone"]
    assert second.data.outcome is TriageOutcome.ASSIGNED and second.data.lead_agency_id == "cmh-east"
    assert (first.causation_id, second.causation_id) == (original.event_id, revision.event_id)
    assert first.event_id != second.event_id and first.referral_id == second.referral_id


async def test_a_reroute_goes_to_an_agency_that_has_not_had_the_referral(triage_app) -> None:
    app, decisions = triage_app
    referral_id = uuid4()
    on = reroute_requested(referral_id, current="cmh-east", excluded=[])
    on_again = reroute_requested(referral_id, current="talking-therapies", excluded=["cmh-east"])
    async with TestKafkaBroker(app.state.broker) as test_broker:
        await test_broker.publish(encode(on), topic=topics.REFERRAL_REROUTES)
        await test_broker.publish(encode(on_again), topic=topics.REFERRAL_REROUTES)
    first, second = (decode(ReferralTriaged, m.body) for m in decisions)
    assert (first.data.lead_agency_id, first.data.service_id) == ("talking-therapies", "tt-step-up-assessment")
    assert first.data.reroute_of == first.causation_id == on.event_id
    assert first.event_id == derived_id(on.event_id, "triaged")
    assert first.correlation_id == on.correlation_id and first.referral_id == referral_id
    assert second.data.outcome is TriageOutcome.UNASSIGNED  # no other adult community mental health service
    assert second.data.excluded_agencies == ["gp-north", "talking-therapies", "cmh-east"]
    assert second.data.reroute_of == on_again.event_id


async def test_a_capacity_change_sends_the_next_referral_elsewhere(triage_app) -> None:
    app, decisions = triage_app
    async with TestKafkaBroker(app.state.broker) as test_broker:
        await test_broker.publish(encode(submitted()), topic=topics.REFERRAL_SUBMITTED)
        full = capacity_changed("cmh-east-adult", "cmh-east", "no_capacity")
        await test_broker.publish(encode(full), topic=topics.DIRECTORY_CAPACITY, key=b"cmh-east-adult")
        await test_broker.publish(encode(submitted()), topic=topics.REFERRAL_SUBMITTED)
    before, after = (decode(ReferralTriaged, m.body) for m in decisions)
    assert before.data.lead_agency_id == "cmh-east"
    assert after.data.lead_agency_id == "talking-therapies"
    assert "skipped cmh-east/cmh-east-adult: capacity no_capacity not accepted for routine" in after.data.reasons


async def test_a_capacity_change_for_a_service_no_longer_in_the_directory_is_ignored(triage_app) -> None:
    app, decisions = triage_app
    async with TestKafkaBroker(app.state.broker) as test_broker:
        await test_broker.publish(encode(capacity_changed("gone", "cmh-east", "no_capacity")),
                                  topic=topics.DIRECTORY_CAPACITY)
        await test_broker.publish(encode(capacity_changed("cmh-east-adult", "crisis-team", "no_capacity")),
                                  topic=topics.DIRECTORY_CAPACITY)
        await test_broker.publish(encode(submitted()), topic=topics.REFERRAL_SUBMITTED)
    assert decode(ReferralTriaged, decisions[0].body).data.lead_agency_id == "cmh-east"


def test_capacity_is_read_without_a_consumer_group_from_the_start_of_the_topic(triage_app) -> None:
    # A group would commit offsets and a restarted triage would start after them, with the
    # directory file's capacity instead of the current one.
    app, _ = triage_app
    by_topic = {subscriber.topics[0].name: subscriber for subscriber in app.state.broker.subscribers}
    capacity = by_topic[topics.DIRECTORY_CAPACITY]
    assert capacity.group_id is None
    assert capacity._connection_args["auto_offset_reset"] == "earliest"
    assert capacity._connection_args["enable_auto_commit"] is False
    assert by_topic[topics.REFERRAL_SUBMITTED].group_id == by_topic[topics.REFERRAL_REROUTES].group_id == "triage"
