"""A missed first-contact deadline, through the running services, with the short test clock
(tests/infra.py: crisis follow-up must be contacted within one minute)."""

from __future__ import annotations

import time
from uuid import uuid4

import httpx
import pytest

from factories import referral_payload
from polling import eventually, referral_in

pytestmark = pytest.mark.e2e
OPERATIONAL_LEAD = "priya.shah@cmh-east.example"  # cmh-east's named leads (deploy/demo/hsds)
SAFEGUARDING_LEAD = "daniel.osei@cmh-east.example"
OPERATIONAL_PHONE = "+44 7700 900222"


def test_a_risk_alert_at_triage_then_a_missed_deadline_reaches_the_named_leads_once(
    running_services, smtp_sink, sms_sink
) -> None:
    """The SMS provider is down when the risk alert goes out: the failure is recorded and the
    e-mail still reaches the safeguarding lead. It is back for the breach: one SMS, one e-mail."""
    intake, tracking = running_services["intake"], running_services["tracking"]
    reference = f"ESC-{uuid4().hex[:8]}"
    person = {**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:10]}"}
    sms_sink.set_outage(True)
    response = httpx.post(f"{intake}/v1/referrals", json=referral_payload(
        client_reference=reference, person=person, risk_flags=["recent_discharge"]))
    referral_id = response.json()["referral_id"]
    assigned = eventually(referral_in(tracking, referral_id, "assigned"), "triage to assign a lead")
    assert assigned["tier"] == "crisis_follow_up"
    [alert] = eventually(lambda: [m for m in smtp_sink.messages()
                                  if reference in m["Subject"] and "Risk-flagged" in m["Subject"]],
                         "the risk alert to the safeguarding lead")
    assert alert["To"] == SAFEGUARDING_LEAD
    failed = eventually(lambda: [t for t in httpx.get(f"{tracking}/v1/referrals/{referral_id}").json()["timeline"]
                                 if t["event_type"] == "notification.failed"], "the SMS failure in the audit")
    assert "risk_alert by sms" in failed[0]["what"] and "email instead" in failed[0]["what"]
    sms_sink.set_outage(False)
    assert "Deadline missed" not in " ".join(m["Subject"] for m in smtp_sink.messages() if reference in m["Subject"])

    def breach_emails():
        return [m for m in smtp_sink.messages() if reference in m["Subject"] and "Deadline missed" in m["Subject"]]

    [breach] = eventually(breach_emails, "the breach escalation", timeout=120)
    assert breach["To"] == OPERATIONAL_LEAD
    reminders = [m for m in smtp_sink.messages() if reference in m["Subject"] and "Reminder" in m["Subject"]]
    assert [m["To"] for m in reminders] == ["referrals@cmh-east.example"]

    view = httpx.get(f"{tracking}/v1/referrals/{referral_id}").json()
    breach_record = next(e for e in view["escalations"] if e["step"] == "breach")
    assert breach_record["overdue_seconds"] >= 0 and breach_record["agency_id"] == "cmh-east"
    texts = eventually(lambda: [m for m in sms_sink.messages() if reference in m["body"]], "the breach SMS")
    assert [t["to"] for t in texts] == [OPERATIONAL_PHONE] and "overdue" in texts[0]["body"]
    time.sleep(3)  # several more sweeps (one a second): a fired rung must not fire again
    assert len(breach_emails()) == 1
    assert len([m for m in sms_sink.messages() if reference in m["body"]]) == 1
