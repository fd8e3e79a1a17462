"""The closure paths and the awkward cases, through the four running services."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest

from factories import referral_payload
from polling import eventually
from referral_driver import Loop

pytestmark = pytest.mark.e2e


def test_declined_and_escalated_close_with_their_reasons(running_services, api_keys) -> None:
    declined, escalated = Loop(running_services, api_keys), Loop(running_services, api_keys)
    for loop in (declined, escalated):
        loop.wait_for("assigned")
        loop.accept()
    declined.record("declined", decline_reason="person_declined", reason_text="Wants to wait a month")
    escalated.record("escalated", escalation_pathway="safeguarding", owner="Kit Moss",
                     escalated_to_agency_id="crisis-team", reason_text="New safeguarding concern")
    assert declined.wait_for("closed")["closure"]["reason_code"] == "person_declined"
    assert escalated.wait_for("closed")["closure"]["outcome"] == "escalated"


def offered_elsewhere(loop: Loop) -> dict:
    def check():
        view = loop.view()
        desk_joined = any(a["role"] == "triage_desk" for a in view["accountable"])
        return view if view["pending_lead_agency_id"] or desk_joined else None

    return eventually(check, "triage to answer the redirect")


def test_redirected_then_engaged_and_redirected_again_never_leaves_a_gap(running_services, api_keys) -> None:
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    loop.accept()
    loop.record("redirect_requested", redirect_reason="no_capacity", reason_text="Caseload full")
    offered = offered_elsewhere(loop)
    next_lead = offered["pending_lead_agency_id"]
    assert next_lead not in (None, "cmh-east")
    assert [a["agency_id"] for a in offered["accountable"]] == ["cmh-east"], "held until the next one accepts"
    loop.accept(next_lead, "Ana Ruiz")
    # A second redirect: no third agency offers this service, so the triage desk joins the lead.
    loop.record("redirect_requested", next_lead, redirect_reason="not_eligible", reason_text="Out of scope",
                person="Ana Ruiz")
    again = offered_elsewhere(loop)
    assert again["pending_lead_agency_id"] is None
    assert {a["agency_id"] for a in again["accountable"]} == {next_lead, "triage-desk"}

    engaged = Loop(running_services, api_keys)
    engaged.wait_for("assigned")
    engaged.accept()
    engaged.record("redirect_requested", redirect_reason="better_fit_elsewhere", reason_text="Needs CBT")
    other = offered_elsewhere(engaged)["pending_lead_agency_id"]
    engaged.accept(other, "Ana Ruiz")
    engaged.record("engaged", other, person="Ana Ruiz")
    view = engaged.wait_for("closed")
    assert view["previous_leads"] == ["cmh-east"] and view["closure"]["closing_agency_id"] == other
    for periods in (view["accountability"], again["accountability"]):
        assert all(a["end"] == b["start"] for a, b in zip(periods, periods[1:])), "accountability had a gap"


def test_a_clarification_round_trip(running_services, api_keys, smtp_sink) -> None:
    contact = {"preferred_method": "email", "email": "jordan@example.org"}
    person = {**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:10]}", "contact": contact}
    loop = Loop(running_services, api_keys, person=person)
    asked = loop.wait_for("awaiting_clarification")
    assert asked["missing_information"] == ["person.contact.phone"]
    [request] = eventually(lambda: [m for m in smtp_sink.messages() if loop.reference in m["Subject"]],
                           "the same-day clarification request to the sender")
    assert request["To"] == "referrals@gp-north.example"
    assert "person.contact.phone" in request.get_body(("plain",)).get_content()
    revised = {**loop.payload, "person": {**person, "contact": {**contact, "phone": "+44 7700 900123"}}}
    answer = httpx.post(f"{loop.intake}/v1/referrals", json=revised, headers=api_keys.headers("gp-north"))
    assert answer.json()["referral_id"] == loop.id
    assigned = loop.wait_for("assigned")
    assert assigned["revision"] == 2 and assigned["missing_information"] == []


def test_consent_withdrawn_mid_loop_keeps_the_outcome_and_package_in(running_services, api_keys, smtp_sink) -> None:
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    package = f"{loop.tracking}/v1/referrals/{loop.id}/handoff-package"
    assert httpx.get(package, headers=api_keys.headers("cmh-east")).json()["person"]["family_name"] == "Example"
    assert httpx.get(package, headers=api_keys.headers("housing-support")).status_code == 404  # not its referral
    assert httpx.get(package, headers=loop.oversight).status_code == 403  # oversight never reads the person
    loop.record("consent_changed", "gp-north", consent={"status": "withdrawn"}, person="Dr Amara Okafor")
    refused = httpx.get(package, headers=api_keys.headers("cmh-east"))
    assert refused.status_code == 403 and "Example" not in refused.text
    loop.record("withdrawn", "gp-north", withdrawal_reason="no_longer_needed", reason_text="Support found",
                person="Dr Amara Okafor")
    assert loop.wait_for("closed")["closure"]["outcome"] == "withdrawn"
    [email] = eventually(lambda: [m for m in smtp_sink.messages() if loop.reference in m["Subject"]],
                         "the closure email")
    text = email.get_body(("plain",)).get_content()
    assert "withdrawn" not in (text + email["Subject"]).lower() and "consent does not allow" in text


def test_a_duplicate_referral_is_linked_and_a_replayed_milestone_changes_nothing(running_services, api_keys,
                                                                                smtp_sink) -> None:
    original = Loop(running_services, api_keys)
    original.wait_for("assigned")
    duplicate = Loop(running_services, api_keys, person=original.payload["person"], source_agency_id="ed-central",
                     referrer={"name": "Dr Lee Park", "role": "ED consultant"})
    linked = duplicate.wait_for("linked")
    assert linked["linked_to"] == original.id
    assert linked["closure"]["outcome"] == "linked" and linked["accountable"] == [], "its loop ends"
    assert original.view()["accountable"], "the person stays with someone accountable, on the original"
    notice = eventually(lambda: [m for m in smtp_sink.messages() if duplicate.reference in m["Subject"]],
                        "the duplicate's sender to be told how its referral ended")
    assert notice[0]["To"] == "referrals@ed-central.example" and "(linked)" in notice[0]["Subject"]
    # The duplicate is linked first, then the original learns of it: wait for both sides.
    eventually(lambda: original.view()["linked_referrals"] == [duplicate.id], "the original to list its re-referral")

    milestone_id = str(uuid4())
    first = original.record("acknowledged", milestone_id=milestone_id)
    replay = original.record("acknowledged", expect=200, milestone_id=milestone_id)
    assert replay.json()["events_applied"] == first.json()["events_applied"]


def test_a_warm_handoff_keeps_the_sender_accountable_until_engagement(running_services, api_keys) -> None:
    loop = Loop(running_services, api_keys, risk_flags=["suicidal_ideation"],
                immediate_safety_actions=["crisis line number given"])
    assigned = loop.wait_for("assigned")
    assert assigned["tier"] == "urgent" and assigned["warm_handoff"] is True
    assert assigned["interim_safety_actions"], "urgent referrals carry interim safety actions"
    loop.accept()
    held = loop.view()
    assert {(a["agency_id"], a["role"]) for a in held["accountable"]} == {("gp-north", "sender"), ("cmh-east", "lead")}
    loop.record("engaged")
    closed = loop.wait_for("closed")
    during = closed["accountability"][-1]["start"]
    answer = httpx.get(f"{loop.tracking}/v1/referrals/{loop.id}/accountability", params={"at": during},
                       headers=api_keys.headers("gp-north")).json()
    assert {a["agency_id"] for a in answer["accountable"]} == {"gp-north", "cmh-east"}
    after = httpx.get(f"{loop.tracking}/v1/referrals/{loop.id}/accountability",
                      params={"at": closed["closure"]["closed_at"]}, headers=api_keys.headers("cmh-east")).json()
    assert after["accountable"] == []
