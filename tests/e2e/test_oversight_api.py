"""Oversight through the running services: the figures of referrals made here (once the oversight
service's projection has caught up with tracking), an agency limited to its own, the huddle
worklist as CSV, a referral's detail within the caller's figures."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from referral_driver import Loop

pytestmark = pytest.mark.e2e


def test_the_figures_the_worklist_and_who_sees_what(running_services, api_keys, platform_clock) -> None:
    since = platform_clock.now().isoformat()
    engaged, waiting, declined = (Loop(running_services, api_keys) for _ in range(3))
    for loop in (engaged, waiting, declined):
        loop.wait_for("assigned")
    for loop in (engaged, declined):
        loop.accept()
        loop.record("contact_attempted", attempt_number=1, outcome="reached", channel="phone")
    engaged.record("engaged")
    declined.record("declined", decline_reason="not_ready", reason_text="Not now")
    engaged.wait_for("closed"), declined.wait_for("closed")
    for loop in (engaged, waiting, declined):
        loop.projected()  # the read side trails tracking by its consumer lag
    oversight = f"{running_services['oversight']}/v1/oversight"

    answer = httpx.get(f"{oversight}/summary", params={"since": since}, headers=engaged.oversight)
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    assert figures["volume"] == 3 and figures["funnel"] == {
        "sent": 3, "acknowledged": 2, "first_contact": 2, "engaged": 1, "conversion_pct": 33.3}
    assert figures["declines_by_reason"] == {"not_ready": 1} and figures["closures"] == {"engaged": 1, "declined": 1}
    assert figures["backlog_age"]["0-2 days"] == 1

    own = httpx.get(f"{oversight}/summary", params={"since": since}, headers=api_keys.headers("gp-north")).json()
    none = httpx.get(f"{oversight}/summary", params={"since": since}, headers=api_keys.headers("housing-support"))
    assert own["volume"] == 3 and none.json()["volume"] == 0  # an agency sees the referrals it sent or leads

    sheet = httpx.get(f"{oversight}/worklist", params={"since": since, "format": "csv", "sort": "acuity"},
                      headers=engaged.oversight)
    assert sheet.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(sheet.text)))
    assert row["client_reference"] == waiting.reference and row["next_action"] == "lead to acknowledge and accept"
    assert httpx.get(f"{oversight}/summary", params={"since": "2026-01-01T00:00:00"},
                     headers=engaged.oversight).status_code == 422

    detail = httpx.get(f"{oversight}/referrals/{engaged.id}", headers=api_keys.headers("gp-north")).json()
    assert detail["state"] == "closed" and detail["closure"]["outcome"] == "engaged" and detail["accountable"] == []
    assert "person" not in detail and detail["client_reference"] == engaged.reference
    other = httpx.get(f"{oversight}/referrals/{engaged.id}", headers=api_keys.headers("housing-support"))
    assert other.status_code == 404 and "not known to oversight" in other.json()["detail"]
