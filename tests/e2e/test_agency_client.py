"""The example agency client (examples/agency_client, only confluent-kafka) against the four running
services on the genuine broker with SASL and ACLs on, as two agencies' systems would use it: the
sender publishes a referral and reads its receipt, the lead learns of it on its own topic and
publishes its milestones, the sender reads the closure; a bad record is refused naming its field;
no other agency hears anything of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pytest
from confluent_kafka import Consumer

from devstack.paths import demo_file, repo_root
from referral_contracts import topics

pytestmark = pytest.mark.e2e
CLIENT = repo_root() / "examples" / "agency_client" / "agency_client.py"


def agency(kafka, agency_id: str):
    """Run the example client as `agency_id`, as its integration team would: its own process."""
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers, "KAFKA_SASL_USERNAME": agency_id,
           "KAFKA_SASL_PASSWORD": kafka.passwords[agency_id]}
    reader = f"e2e-{uuid4().hex[:6]}"

    def run(*args: str, expect: int = 0) -> dict:
        done = subprocess.run([sys.executable, str(CLIENT), "--reader", reader, *args], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == expect, done.stderr[-2000:]
        return json.loads(done.stdout)

    return run


def test_two_agencies_close_a_loop_over_their_own_topics(running_services, kafka, tmp_path: Path) -> None:
    sender, lead = agency(kafka, "gp-north"), agency(kafka, "cmh-east")
    referral = json.loads(demo_file("referral.json").read_text()) | {"client_reference": f"E2E-{uuid4().hex[:8]}"}
    referral["person"]["identifier"] = f"P-{uuid4().hex[:10]}"  # a person of its own: not a duplicate
    (tmp_path / "referral.json").write_text(json.dumps(referral))

    receipt = sender("send-referral", str(tmp_path / "referral.json"))
    assert receipt["event_type"] == "referral.received"
    assert receipt["data"]["client_reference"] == referral["client_reference"] and receipt["data"]["channel"] == "kafka"
    referral_id = receipt["referral_id"]

    triaged = sender("wait", "--referral", referral_id, "--change", "triaged")["data"]
    assert triaged["lead_agency_id"] == "cmh-east" and triaged["contact_deadline"]
    assigned = lead("wait", "--referral", referral_id, "--change", "triaged")["data"]
    assert assigned["your_part"] == "lead" and assigned["client_reference"] is None, "the sender's reference is its own"

    for step in sorted(demo_file("milestones").glob("*.json")):
        taken = lead("send-milestone", referral_id, str(step))
        assert taken["event_type"] == "milestone.received" and taken["data"]["new"], step.name

    # The sender's reader commits as it reads: the changes come in the order they happened.
    accepted = sender("wait", "--referral", referral_id, "--change", "accepted")["data"]
    assert accepted["owner"] == "Sam Lee"
    closed = sender("wait", "--referral", referral_id, "--change", "closed")["data"]
    assert closed["outcome"] == "engaged" and not closed["outcome_withheld"] and closed["your_part"] == "sender"
    assert _mentions(kafka, topics.referrals_outbound("ed-central"), referral_id) == 0, "no part, nothing heard"


def test_a_bad_record_is_refused_to_its_sender_naming_each_field(running_services, kafka, tmp_path: Path) -> None:
    referral = json.loads(demo_file("referral.json").read_text()) | {"client_reference": f"BAD-{uuid4().hex[:8]}"}
    del referral["person"]["date_of_birth"]
    referral["consent"] = {"status": "sometimes"}
    (tmp_path / "bad.json").write_text(json.dumps(referral))
    refusal = agency(kafka, "gp-north")("send-referral", str(tmp_path / "bad.json"), expect=1)
    assert refusal["event_type"] == "inbound.refused"
    assert refusal["data"]["client_reference"] == referral["client_reference"]
    assert {p["field"] for p in refusal["data"]["problems"]} == {"person.date_of_birth", "consent.status"}

    wrong_state = {"kind": "engaged", "actor": {"agency_id": "gp-north", "person": "Dr Amara Okafor"}}
    (tmp_path / "engaged.json").write_text(json.dumps(wrong_state))
    unknown = agency(kafka, "gp-north")("send-milestone", str(uuid4()), str(tmp_path / "engaged.json"), expect=1)
    assert unknown["data"]["problems"][0]["field"] == "referral_id"


def _mentions(kafka, topic: str, referral_id: str) -> int:
    """How many records on `topic` name the referral (read as the platform's admin)."""
    consumer = Consumer(kafka.confluent() | {"group.id": f"e2e-audit-{uuid4().hex[:6]}", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    seen, idle = 0, 0
    try:
        while idle < 6:
            record = consumer.poll(0.5)
            if record is None or record.error():
                idle += 1
                continue
            idle = 0
            seen += referral_id in (record.value() or b"").decode(errors="replace")
    finally:
        consumer.close()
    return seen
