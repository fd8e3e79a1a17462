"""Triage's directory API: current capacity, and capacity changes by the agency that runs a service."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest
from faststream.kafka import TestKafkaBroker

from referral_contracts import CapacityChanged, ReferralTriaged, topics
from referral_contracts.codec import decode, encode
from triage.config import Settings
from triage.entrypoints.app import create_app

from event_factories import submitted
from broker_recording import recorder

CMH_EAST_FULL = {"agency_id": "cmh-east", "capacity": "no_capacity", "reason_text": "Two clinicians on leave",
                 "actor": {"agency_id": "cmh-east", "person": "Ana Silva"}}



def client_for(app) -> httpx.AsyncClient:
    # The in-memory broker is started by TestKafkaBroker, so the app's lifespan is not needed.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://triage",
                             headers=app.state.test_keys.headers("cmh-east"))


@pytest.fixture
def triage_app(api_keys):
    app = create_app(Settings(api_keys_path=str(api_keys.hashes_path)))
    app.state.test_keys = api_keys
    published: dict[str, list] = {topics.DIRECTORY_CAPACITY: [], topics.REFERRAL_TRIAGED: []}
    for topic, records in published.items():
        app.state.broker.subscriber(topic, group_id="observer")(recorder(records))
    return app, published


def capacity_of(services: list[dict], service_id: str) -> str:
    return next(s["capacity"] for s in services if s["service_id"] == service_id)


async def test_a_capacity_change_is_published_keyed_by_service_and_routes_the_next_referral(triage_app) -> None:
    app, published = triage_app
    correlation_id = str(uuid4())
    async with TestKafkaBroker(app.state.broker) as broker, client_for(app) as client:
        before = (await client.get("/v1/directory/services")).json()
        response = await client.put("/v1/directory/services/cmh-east-adult/capacity", json=CMH_EAST_FULL,
                                    headers={"X-Correlation-ID": correlation_id})
        after = (await client.get("/v1/directory/services")).json()
        await broker.publish(encode(submitted()), topic=topics.REFERRAL_SUBMITTED)
    assert response.status_code == 202, response.text
    [record] = published[topics.DIRECTORY_CAPACITY]
    event = decode(CapacityChanged, record.body)
    assert record.raw_message.key == b"cmh-east-adult"
    assert response.json() == {"service_id": "cmh-east-adult", "event_id": str(event.event_id),
                               "correlation_id": correlation_id}
    assert (event.data.agency_id, event.data.capacity, event.actor.person) == ("cmh-east", "no_capacity", "Ana Silva")
    assert capacity_of(before, "cmh-east-adult") == "available"
    assert capacity_of(after, "cmh-east-adult") == "no_capacity"
    [decision] = published[topics.REFERRAL_TRIAGED]
    assert decode(ReferralTriaged, decision.body).data.lead_agency_id == "talking-therapies"


async def test_every_service_is_listed_with_its_agency(triage_app) -> None:
    app, _ = triage_app
    async with TestKafkaBroker(app.state.broker), client_for(app) as client:
        services = (await client.get("/v1/directory/services")).json()
    assert {"agency_id": "talking-therapies", "service_id": "tt-step-up-assessment", "capacity": "waitlist"}.items() \
        <= next(s for s in services if s["service_id"] == "tt-step-up-assessment").items()
    assert len(services) == len({s["service_id"] for s in services}) >= 7


@pytest.mark.parametrize(
    ("service_id", "body", "status", "detail"),
    [
        ("nope", CMH_EAST_FULL, 404, "no service 'nope' in the directory"),
        ("crisis-team-follow-up", CMH_EAST_FULL, 409,
         "service 'crisis-team-follow-up' belongs to agency 'crisis-team', not 'cmh-east'"),
    ],
)
async def test_a_change_for_an_unknown_service_or_by_another_agency_is_refused(
    triage_app, service_id: str, body: dict, status: int, detail: str
) -> None:
    app, published = triage_app
    async with TestKafkaBroker(app.state.broker), client_for(app) as client:
        response = await client.put(f"/v1/directory/services/{service_id}/capacity", json=body)
    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert published[topics.DIRECTORY_CAPACITY] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [({"capacity": "plenty"}, "capacity"), ({"actor": {"agency_id": "cmh-east"}}, "actor")],
)
async def test_a_malformed_change_is_422_naming_the_field(triage_app, change: dict, field: str) -> None:
    app, published = triage_app
    async with TestKafkaBroker(app.state.broker), client_for(app) as client:
        response = await client.put("/v1/directory/services/cmh-east-adult/capacity", json=CMH_EAST_FULL | change)
    assert response.status_code == 422
    assert field in [e["loc"][1] for e in response.json()["detail"]]
    assert published[topics.DIRECTORY_CAPACITY] == []


@pytest.mark.parametrize(
    ("agency", "body_changes", "status"),
    [("gp-north", {}, 403),  # another agency's capacity
     ("cmh-east", {"actor": {"agency_id": "gp-north", "person": "Ana Silva"}}, 403),  # acting as another
     ("triage-desk", {"actor": {"agency_id": "triage-desk", "person": "Anna Kowalski"}}, 202)],  # the desk may
)
async def test_only_an_agency_itself_or_the_triage_desk_changes_its_capacity(
    triage_app, agency: str, body_changes: dict, status: int
) -> None:
    app, published = triage_app
    async with TestKafkaBroker(app.state.broker), client_for(app) as client:
        response = await client.put("/v1/directory/services/cmh-east-adult/capacity", json=CMH_EAST_FULL | body_changes,
                                    headers=app.state.test_keys.headers(agency))
    assert response.status_code == status, response.text
    assert len(published[topics.DIRECTORY_CAPACITY]) == (1 if status == 202 else 0)


async def test_without_a_valid_key_nothing_is_answered(triage_app) -> None:
    app, _ = triage_app
    async with TestKafkaBroker(app.state.broker), client_for(app) as client:
        for headers in ({"Authorization": ""}, {"Authorization": "Bearer rk_000000000000_guess"}):
            response = await client.get("/v1/directory/services", headers=headers)
            assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
