"""The loop as the partnership wrote it, through the four running services, the e-mail sink and the
platform clock: during a warm handoff both accountable agencies' leads are told; each run of failed
contact attempts brings its steps again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from polling import eventually
from referral_driver import Loop

pytestmark = pytest.mark.e2e
# The named leads of the demo directory (deploy/demo/hsds/contacts.csv).
LEADS = {("cmh-east", "safeguarding"): "daniel.osei@cmh-east.example",
         ("gp-north", "safeguarding"): "amara.okafor@gp-north.example",
         ("cmh-east", "operational"): "priya.shah@cmh-east.example",
         ("gp-north", "operational"): "helen.marsh@gp-north.example"}


def emails_to(smtp_sink, reference: str, subject: str) -> set[str]:
    return {m["To"] for m in smtp_sink.messages() if reference in m["Subject"] and subject in m["Subject"]}


def test_a_warm_handoff_tells_both_accountable_agencies(running_services, api_keys, smtp_sink, platform_clock) -> None:
    loop = Loop(running_services, api_keys, risk_flags=["suicidal_ideation"])  # urgent: keeps no office hours
    assigned = loop.wait_for("assigned")
    assert assigned["warm_handoff"] and {a["agency_id"] for a in assigned["accountable"]} == {"gp-north", "cmh-east"}
    alerted = {LEADS["cmh-east", "safeguarding"], LEADS["gp-north", "safeguarding"]}
    eventually(lambda: emails_to(smtp_sink, loop.reference, "Risk-flagged") >= alerted,
               "the risk alert to the safeguarding leads of both agencies")
    platform_clock.advance_to(datetime.fromisoformat(assigned["contact_deadline"]) + timedelta(minutes=5))
    breached = {LEADS["cmh-east", "operational"], LEADS["gp-north", "operational"]}
    eventually(lambda: emails_to(smtp_sink, loop.reference, "Deadline missed") >= breached,
               "the breach to the operational leads of both agencies", timeout=60)
    fired = loop.escalations()["fired"]
    for step in ("risk_alert", "breach"):
        assert {e["agency_id"] for e in fired if e["step"] == step} == {"gp-north", "cmh-east"}, step
    told = eventually(lambda: [e for e in loop.escalations()["fired"] if e["step"] == "breach" and e["notified"]]
                      if len([e for e in loop.escalations()["fired"] if e["step"] == "breach" and e["notified"]]) == 2
                      else None, "each delivery in the audit", timeout=60)
    assert {(e["agency_id"], e["notified"][0]["recipient"]) for e in told} == {
        ("cmh-east", LEADS["cmh-east", "operational"]), ("gp-north", LEADS["gp-north", "operational"])}


def test_a_new_run_of_failed_attempts_escalates_again(running_services, api_keys, smtp_sink) -> None:
    loop = Loop(running_services, api_keys, risk_flags=["suicidal_ideation"])  # urgent: keeps no office hours
    loop.wait_for("assigned")
    loop.accept()
    attempt = iter(range(1, 10))

    def failed() -> None:
        loop.record("contact_attempted", attempt_number=next(attempt), outcome="no_answer", channel="phone")

    failed()
    eventually(lambda: _steps(loop) == ["alternate_contact"], "the first run's first step")
    loop.record("contact_attempted", attempt_number=next(attempt), outcome="reached", channel="phone")
    failed()
    eventually(lambda: _steps(loop) == ["alternate_contact", "alternate_contact"], "the second run's first step")
    failed()
    eventually(lambda: _steps(loop) == ["alternate_contact", "alternate_contact", "welfare_check"],
               "the second run's second step")


def _steps(loop: Loop) -> list[str]:
    """The failed-contact steps fired to the lead (cmh-east), in order; during a warm handoff the
    sender hears each too (its own rungs)."""
    fired = [e for e in loop.escalations()["fired"] if e["step"] == "failed_contact" and e["agency_id"] == "cmh-east"]
    return [e["action"] for e in sorted(fired, key=lambda e: e["at"])]
