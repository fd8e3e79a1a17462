"""Who may do what, through the running services: every refusal says which rule, and leaks nothing
(no person's details, not even whether a referral exists)."""

from __future__ import annotations

import json
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from infra import EXPIRED
from referral_contracts import topics
from referral_contracts.codec import HEADER_DLQ_REASON
from referral_driver import Loop, actor

pytestmark = pytest.mark.e2e
PERSONAL = ("Jordan", "Example", "1990-04-12", "7700 900123", "NHS-9434765919")


def leaks(response: httpx.Response) -> list[str]:
    return [value for value in PERSONAL if value in response.text]


def test_an_agency_without_a_part_in_a_referral_cannot_tell_it_from_a_guessed_id(running_services, api_keys) -> None:
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    tracking, outsider = loop.tracking, api_keys.headers("housing-support")
    for path in ("", "/accountability?at=2026-01-01T00:00:00Z", "/escalations", "/handoff-package"):
        theirs = httpx.get(f"{tracking}/v1/referrals/{loop.id}{path}", headers=outsider)
        guessed = httpx.get(f"{tracking}/v1/referrals/{uuid4()}{path}", headers=outsider)
        assert theirs.status_code == guessed.status_code == 404, path
        assert theirs.json()["detail"] == f"referral {loop.id} is not known to tracking"  # as for a guess
        assert leaks(theirs) == []
    # Those with a part read it: the sender, the lead, and oversight (the referral, not the person).
    for agency in ("gp-north", "cmh-east"):
        assert httpx.get(f"{tracking}/v1/referrals/{loop.id}", headers=api_keys.headers(agency)).status_code == 200


def test_an_agency_acts_only_as_itself_and_only_on_referrals_it_has_a_part_in(running_services, api_keys) -> None:
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    milestones = f"{loop.tracking}/v1/referrals/{loop.id}/milestones"
    as_the_lead = {"kind": "acknowledged", "actor": actor("cmh-east")}
    impersonating = httpx.post(milestones, json=as_the_lead, headers=api_keys.headers("gp-north"))
    assert impersonating.status_code == 403 and "acts only as gp-north" in impersonating.json()["detail"]
    outsider = httpx.post(milestones, json={"kind": "acknowledged", "actor": actor("housing-support")},
                          headers=api_keys.headers("housing-support"))
    assert outsider.status_code == 404
    oversight = httpx.post(milestones, json={"kind": "acknowledged", "actor": actor("partnership-oversight")},
                           headers=loop.oversight)
    assert oversight.status_code == 403  # oversight reads; it acts on nothing
    assert oversight.json()["detail"] == "partnership-oversight: an oversight key reads; only an agency's key acts"
    desk = httpx.post(milestones, json={"kind": "acknowledged", "actor": actor("triage-desk")},
                      headers=api_keys.headers("triage-desk"))
    assert desk.status_code == 403  # the desk reads every referral, and acts only on those it has a part in
    assert desk.json()["detail"].startswith("triage-desk has no part in this referral")
    assert [t["milestone"] for t in loop.view()["timeline"] if t["milestone"]] == []


def test_a_missing_forged_or_expired_key_is_refused_everywhere(running_services, api_keys) -> None:
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    attempts = {"missing": {}, "forged": {"Authorization": "Bearer rk_0123456789ab_guessing"},
                "expired": api_keys.headers(EXPIRED), "not bearer": {"Authorization": "Basic Z3A6bm9ydGg="}}
    for what, headers in attempts.items():
        for response in (
            httpx.post(f"{loop.intake}/v1/referrals", json=loop.payload, headers=headers),
            httpx.get(f"{loop.tracking}/v1/referrals/{loop.id}", headers=headers),
            httpx.get(f"{loop.tracking}/v1/referrals/{loop.id}/handoff-package", headers=headers),
            httpx.get(f"{running_services['triage']}/v1/directory/services", headers=headers),
        ):
            assert response.status_code == 401, (what, response.request.url)
            assert response.headers["www-authenticate"].startswith("Bearer") and leaks(response) == []


async def test_a_milestone_is_taken_only_from_the_acting_agencys_own_inbound_topic(
    running_services, api_keys, kafka
) -> None:
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    report = json.dumps({"referral_id": loop.id, "kind": "acknowledged", "actor": actor("cmh-east"),
                         "milestone_id": str(uuid4())}).encode()
    # Each agency writes with its own login to its own topic (Kafka's ACLs allow nothing else):
    # gp-north's record names cmh-east as the actor, and only cmh-east's own record counts.
    for agency in ("gp-north", "cmh-east"):
        producer = AIOKafkaProducer(**kafka.client(agency), acks="all", enable_idempotence=True)
        await producer.start()
        try:
            await producer.send_and_wait(topics.milestones_inbound(agency), report, key=loop.id.encode())
        finally:
            await producer.stop()
    acknowledged = loop.wait_for("acknowledged")
    assert [t["agency_id"] for t in acknowledged["timeline"] if t["milestone"] == "acknowledged"] == ["cmh-east"]
    consumer = AIOKafkaConsumer(topics.dead_letter_topic(topics.milestones_inbound("gp-north")),
                                **kafka.client(), auto_offset_reset="earliest",  # the platform's operator reads
                                group_id=f"access-{uuid4().hex[:8]}")
    await consumer.start()
    try:
        letters = []
        for _ in range(40):
            batch = await consumer.getmany(timeout_ms=500)
            letters += [r for records in batch.values() for r in records if r.key == loop.id.encode()]
            if letters:
                break
    finally:
        await consumer.stop()
    [letter] = letters
    assert dict(letter.headers)[HEADER_DLQ_REASON].decode() == \
        "actor.agency_id: cmh-east may not act on gp-north's inbound topic"
