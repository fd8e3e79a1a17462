"""Deadlines that fire, through the running services: the tests move the platform clock to the
moment they need (tests/infra.py, platform_clock) and never sleep through a real deadline."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from aiokafka import AIOKafkaConsumer
from devstack.services import start_services

from factories import referral_payload
from polling import eventually
from referral_contracts import topics
from referral_driver import Loop

pytestmark = pytest.mark.e2e
LONDON = ZoneInfo("Europe/London")  # the demo policy's calendar
# cmh-east's named leads (deploy/demo/hsds)
REFERRAL_CONTACT, OPERATIONAL_LEAD = "referrals@cmh-east.example", "priya.shah@cmh-east.example"
SAFEGUARDING_LEAD, CLINICAL_LEAD = "daniel.osei@cmh-east.example", "yusuf.ali@cmh-east.example"
OPERATIONAL_PHONE, CLINICAL_PHONE = "+44 7700 900222", "+44 7700 900225"
DESK, DESK_OPERATIONAL_LEAD, DESK_OPERATIONAL_PHONE = "triage-desk", "anna.kowalski@triage-desk.example", "+44 7700 900262"
AFTER_DISCHARGE = {"presenting_needs": ["discharged from hospital yesterday", "low mood"]}  # crisis follow-up


def emails(smtp_sink, reference: str, subject: str = "") -> list:
    return [m for m in smtp_sink.messages() if reference in m["Subject"] and subject in m["Subject"]]


def texts(sms_sink, reference: str) -> list:
    return [m for m in sms_sink.messages() if reference in m["body"]]


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def fired(loop: Loop, step: str, agency: str = "cmh-east") -> dict | None:
    """The rung fired to `agency` (the lead); during a warm handoff the sender has its own."""
    return next((e for e in loop.escalations()["fired"] if e["step"] == step and e["agency_id"] == agency), None)


def test_a_risk_alert_at_triage_falls_back_to_email_in_a_provider_outage_and_the_audit_says_so(running_services, api_keys, smtp_sink, sms_sink
) -> None:
    sms_sink.set_outage(True)
    try:
        loop = Loop(running_services, api_keys, risk_flags=["recent_discharge"])
        assert loop.wait_for("assigned")["tier"] == "crisis_follow_up"
        [alert] = eventually(lambda: emails(smtp_sink, loop.reference, "Risk-flagged"), "the risk alert e-mail")
        assert alert["To"] == SAFEGUARDING_LEAD
        failed = eventually(lambda: [t for t in loop.view()["timeline"] if t["event_type"] == "notification.failed"],
                            "the SMS failure in the referral's audit")
        assert "risk_alert by sms" in failed[0]["what"] and "email instead" in failed[0]["what"]
        told = eventually(lambda: (fired(loop, "risk_alert") or {}).get("notified"), "the e-mail in the audit")
        assert [(t["channel"], t["recipient"]) for t in told] == [("email", SAFEGUARDING_LEAD)]
    finally:
        sms_sink.set_outage(False)
    assert texts(sms_sink, loop.reference) == []


def test_a_missed_deadline_reaches_the_operational_lead_once_though_the_notifier_crashes_mid_send(running_services, api_keys, stack, platform_clock, smtp_sink, sms_sink
) -> None:
    """The provider takes the SMS but the notifier is killed before it hears back; restarted, it
    sends again under the same idempotency key, and the lead gets one text and one e-mail."""
    loop = Loop(running_services, api_keys, **AFTER_DISCHARGE)
    assigned = loop.wait_for("assigned")
    assert assigned["tier"] == "crisis_follow_up" and assigned["lead_agency_id"] == "cmh-east"
    sms_sink.set_delay(30, matching=loop.reference)
    try:
        platform_clock.advance_to(parse(assigned["contact_deadline"]) + timedelta(minutes=10))
        [breach] = eventually(lambda: emails(smtp_sink, loop.reference, "Deadline missed"), "the breach e-mail")
        eventually(lambda: texts(sms_sink, loop.reference), "the provider to take the breach SMS")
        stack["notifier"].process.kill()  # before the provider answers: the SMS is not marked sent
    finally:
        sms_sink.set_delay(0)
    stack["notifier"].crash_and_restart()
    told = eventually(lambda: {t["channel"] for t in (fired(loop, "breach") or {}).get("notified", [])} >= {"sms", "email"}
                      and fired(loop, "breach")["notified"], "both deliveries in the audit", timeout=60)
    assert breach["To"] == OPERATIONAL_LEAD
    assert {(t["channel"], t["recipient"]) for t in told} == {("email", OPERATIONAL_LEAD), ("sms", OPERATIONAL_PHONE)}
    assert len(emails(smtp_sink, loop.reference, "Deadline missed")) == 1
    [text] = texts(sms_sink, loop.reference)
    assert text["to"] == OPERATIONAL_PHONE and "overdue" in text["body"]
    assert [m["To"] for m in emails(smtp_sink, loop.reference, "Reminder")] == [REFERRAL_CONTACT]
    record = fired(loop, "breach")
    assert record["overdue_seconds"] >= 600 and record["agency_id"] == "cmh-east"

    # The owner gives the reason later; the breach record keeps it.
    loop.record("breach_explained", explains_escalation_id=record["event_id"], reason_text="Duty worker off sick")
    assert fired(loop, "breach")["explanation"]["reason_text"] == "Duty worker off sick"
    time.sleep(3)  # several more sweeps (one a second) and a redelivered backlog: nothing fires twice
    assert len(emails(smtp_sink, loop.reference, "Deadline missed")) == 1 and len(texts(sms_sink, loop.reference)) == 1


def test_a_routine_breach_at_night_waits_for_working_hours(running_services, api_keys, platform_clock, smtp_sink) -> None:
    loop = Loop(running_services, api_keys)
    assigned = loop.wait_for("assigned")
    assert assigned["tier"] == "routine"
    deadline = parse(assigned["contact_deadline"]).astimezone(LONDON)
    night = datetime.combine(deadline.date(), datetime.min.time(), LONDON).replace(hour=23, minute=30)
    assert night > deadline, "the demo policy's routine deadline falls within the working day"
    platform_clock.advance_to(night)
    breach = eventually(lambda: next((p for p in loop.escalations()["pending"] if p["step"] == "breach"), None),
                        "the breach to be pending")
    held_until = parse(breach["due_at"]).astimezone(LONDON)
    assert held_until > night and (held_until.hour, held_until.minute) == (9, 0) and held_until.weekday() < 5
    time.sleep(3)  # the watcher looks every second: it must hold the breach
    assert emails(smtp_sink, loop.reference, "Deadline missed") == []
    platform_clock.advance_to(held_until + timedelta(minutes=1))
    [breach_email] = eventually(lambda: emails(smtp_sink, loop.reference, "Deadline missed"),
                                "the breach e-mail in working hours")
    assert breach_email["To"] == OPERATIONAL_LEAD


def test_failed_attempts_and_an_overdue_post_crisis_review_reach_the_leads_who_sign_off(running_services, api_keys, platform_clock, smtp_sink, sms_sink
) -> None:
    loop = Loop(running_services, api_keys, **AFTER_DISCHARGE)
    assigned = loop.wait_for("assigned")
    loop.accept()
    steps = []
    for attempt in (1, 2):
        loop.record("contact_attempted", attempt_number=attempt, outcome="no_answer", channel="phone")
        steps.append(eventually(lambda: emails(smtp_sink, loop.reference, f"{attempt} failed contact"),
                                f"the step after {attempt} failed attempts"))
    alternate, welfare = steps
    assert [m["To"] for m in alternate + welfare] == [OPERATIONAL_LEAD, SAFEGUARDING_LEAD]
    assert "alternate contact" in alternate[0].get_body(("plain",)).get_content()
    assert "welfare check" in welfare[0].get_body(("plain",)).get_content()

    review_due = parse(assigned["review_deadline"])
    assert review_due == parse(assigned["submitted_at"]) + timedelta(hours=72)
    platform_clock.advance_to(review_due + timedelta(minutes=5))
    [review] = eventually(lambda: emails(smtp_sink, loop.reference, "Post-crisis review overdue"), "the review alarm")
    assert review["To"] == CLINICAL_LEAD
    eventually(lambda: [t for t in texts(sms_sink, loop.reference) if t["to"] == CLINICAL_PHONE], "the review SMS")
    assert emails(smtp_sink, loop.reference, "Deadline missed") == []  # first contact was attempted in time


def test_two_tracking_replicas_fire_each_rung_once(running_services, api_keys, service_settings, service_environment, platform_clock, smtp_sink, tmp_path
) -> None:
    second = start_services(tmp_path / "replica", service_settings, names=["tracking"], extra_env=service_environment)
    try:
        loop = Loop(running_services, api_keys, **AFTER_DISCHARGE)
        assigned = loop.wait_for("assigned")
        platform_clock.advance_to(parse(assigned["contact_deadline"]) + timedelta(minutes=1))
        eventually(lambda: emails(smtp_sink, loop.reference, "Deadline missed"), "the breach e-mail")
        time.sleep(3)  # both replicas sweep again meanwhile
    finally:
        second.stop()
    published = escalation_records(service_settings.kafka, loop.id)
    assert sorted(published) == ["breach", "reminder"]  # each rung on the topic once, by one replica
    assert len(emails(smtp_sink, loop.reference, "Deadline missed")) == 1


def escalation_records(kafka, referral_id: str) -> list[str]:
    """The steps of every record on the escalations topic for one referral, read from the start."""

    async def read() -> list[str]:
        consumer = AIOKafkaConsumer(topics.REFERRAL_ESCALATIONS, **kafka.client(),
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        try:
            steps: list[str] = []
            batches = await consumer.getmany(timeout_ms=3000)
            while batches:
                steps += [json.loads(r.value)["data"]["step"] for records in batches.values() for r in records
                          if r.key == referral_id.encode()]
                batches = await consumer.getmany(timeout_ms=1000)
            return steps
        finally:
            await consumer.stop()

    return asyncio.run(read())


def test_an_unassigned_referral_past_its_deadline_reaches_the_triage_desks_operational_lead(running_services, api_keys, platform_clock, smtp_sink, sms_sink
) -> None:
    """No agency offers follow-up after discharge to a child of twelve: the triage desk holds the
    referral, and when its deadline passes the desk's own operational lead is told (it went to
    nobody before), once by text and once by e-mail, and the referral's audit says so."""
    child = {**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:10]}",
             "date_of_birth": (date.today() - timedelta(days=365 * 12 + 3)).isoformat()}
    loop = Loop(running_services, api_keys, person=child, **AFTER_DISCHARGE)
    unassigned = loop.wait_for("unassigned")
    assert unassigned["tier"] == "crisis_follow_up" and unassigned["lead_agency_id"] is None
    platform_clock.advance_to(parse(unassigned["contact_deadline"]) + timedelta(minutes=10))
    [breach] = eventually(lambda: emails(smtp_sink, loop.reference, "Deadline missed"), "the breach e-mail")
    assert breach["To"] == DESK_OPERATIONAL_LEAD and "no agency has taken the referral" in breach["Subject"]
    body = breach.get_body(("plain",)).get_content()
    assert "name a lead, take it on yourselves, or escalate it now" in body  # what the desk can do
    assert "No agency offers an eligible service with capacity" in body  # tracking's guidance: why
    eventually(lambda: {(t["channel"], t["recipient"]) for t in (fired(loop, "breach", DESK) or {}).get(
        "notified", [])} == {("sms", DESK_OPERATIONAL_PHONE), ("email", DESK_OPERATIONAL_LEAD)} or None,
        "both deliveries in the referral's audit")
    [text] = [t for t in texts(sms_sink, loop.reference) if t["to"] == DESK_OPERATIONAL_PHONE]
    assert "overdue and no agency has it: name a lead or take it" in text["body"]
    assert [e["agency_id"] for e in loop.escalations()["fired"] if e["step"] == "breach"] == [DESK]
