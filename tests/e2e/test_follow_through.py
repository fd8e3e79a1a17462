"""Follow-through and learning, through the running services: a consult's plan update that goes
overdue and escalates, the monthly review sample, a root cause and corrective action, a repeated
crisis raised into the issue log, and no-show rates by source. The worklist, the quality review,
the issue log and the figures are the oversight service's."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from devstack.keys import OVERSIGHT

from polling import eventually
from referral_driver import Loop

pytestmark = pytest.mark.e2e
GP_NORTH_OPERATIONAL = "helen.marsh@gp-north.example"
URGENT = {"risk_flags": ["self_harm"], "immediate_safety_actions": ["crisis line number given"]}


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def pending(loop: Loop, step: str) -> dict | None:
    return next((p for p in loop.escalations()["pending"] if p["step"] == step), None)


def engaged(running_services, api_keys) -> Loop:
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    loop.accept()
    loop.record("contact_attempted", attempt_number=1, outcome="reached", channel="phone")
    loop.record("engaged")
    loop.wait_for("closed")
    return loop


def test_a_consult_whose_plan_update_goes_overdue_escalates_to_the_sender(
    running_services, api_keys, platform_clock, smtp_sink
) -> None:
    loop = engaged(running_services, api_keys)
    loop.record("consult_completed")
    rung = eventually(lambda: pending(loop, "plan_update_overdue"), "the plan-update clock")
    assert rung["agency_id"] == "gp-north" and rung["role"] == "operational"
    loop.projected()
    worklist = httpx.get(f"{loop.read_side}/v1/oversight/worklist", headers=loop.oversight).json()
    [row] = [r for r in worklist if r["referral_id"] == loop.id]
    assert row["follow_through"] == "plan_update" and row["next_action"].startswith("sender to update the plan")
    platform_clock.advance_to(parse(rung["due_at"]) + timedelta(minutes=1))  # just after closing time
    morning = eventually(lambda: (p := pending(loop, "plan_update_overdue")) and parse(p["due_at"]) > parse(rung["due_at"])
                         and p, "the escalation held for the morning")
    platform_clock.advance_to(parse(morning["due_at"]) + timedelta(minutes=1))
    [email] = eventually(lambda: [m for m in smtp_sink.messages() if loop.reference in m["Subject"]
                                  and "not yet in the plan" in m["Subject"]], "the escalation e-mail")
    assert email["To"] == GP_NORTH_OPERATIONAL
    loop.record("plan_updated", "gp-north", person="Dr Amara Okafor", plan_today="Check-in call tonight",
                plan_two_weeks="Weekly review with the CMHT", needs_partner_input="Medication review")
    follow = loop.view()["follow_through"]
    assert follow["plan_today"] == "Check-in call tonight" and follow["staff_briefed_at"] is None
    assert pending(loop, "staff_briefing_overdue") is not None


def test_the_monthly_sample_a_review_and_its_corrective_action(running_services, api_keys, platform_clock) -> None:
    left = [Loop(running_services, api_keys, **URGENT) for _ in range(3)]  # never contacted: they breach
    month = platform_clock.now().strftime("%Y-%m")
    for loop in left:
        loop.wait_for("assigned")
    platform_clock.advance(timedelta(hours=6))  # past the urgent four hours (urgent work does not wait)
    for loop in left:
        eventually(lambda loop=loop: any(e["step"] == "breach" for e in loop.escalations()["fired"]), "a breach")
        loop.projected()  # the sample is drawn once, from what the read side holds: let it catch up first
    quality, oversight = f"{running_services['oversight']}/v1/quality", api_keys.headers(OVERSIGHT)
    first = httpx.post(f"{quality}/samples", json={"month": month, "seed": 7}, headers=oversight).json()
    again = httpx.post(f"{quality}/samples", json={"month": month, "seed": 7}, headers=oversight).json()
    assert first["referral_ids"] == again["referral_ids"] and len(first["referral_ids"]) == min(5, first["candidates"])
    assert first["candidates"] >= 3
    assert httpx.post(f"{quality}/samples", json={"month": month}, headers=api_keys.headers("gp-north")).status_code == 403

    reviewed = first["referral_ids"][0]
    bad = httpx.post(f"{quality}/reviews", headers=oversight, json={
        "referral_id": reviewed, "month": month, "root_causes": ["bad luck"], "findings": "x", "reviewer": "Isobel Grant"})
    assert bad.status_code == 422 and "root_causes" in bad.text
    review = httpx.post(f"{quality}/reviews", headers=oversight, json={
        "referral_id": reviewed, "month": month, "root_causes": ["capacity_gap"], "reviewer": "Isobel Grant",
        "findings": "No one on duty read the new-referral queue over the weekend",
        "corrective_action": {"description": "Weekend duty rota reads the queue twice a day", "owner": "Priya Shah",
                              "due": "2026-12-31"}})
    assert review.status_code == 201, review.text
    summary = httpx.get(f"{quality}/summary", headers=oversight).json()
    assert summary["root_causes_by_month"][month]["capacity_gap"] >= 1
    review_id = review.json()["review_id"]
    assert review_id in [r["review_id"] for r in summary["open_actions"]]
    done = httpx.post(f"{quality}/reviews/{review_id}/corrective-action/complete", headers=oversight,
                      json={"completed_by": "Priya Shah"}).json()
    assert done["corrective_action"]["completed_by"] == "Priya Shah"
    still_open = httpx.get(f"{quality}/summary", headers=oversight).json()["open_actions"]
    assert review_id not in [r["review_id"] for r in still_open]


def test_a_second_crisis_for_the_same_person_raises_a_repeated_crisis(running_services, api_keys) -> None:
    issues = f"{running_services['oversight']}/v1/partnership-issues"
    first = Loop(running_services, api_keys, **URGENT)
    first.wait_for("assigned")
    first.record("withdrawn", "gp-north", person="Dr Amara Okafor", withdrawal_reason="no_longer_needed",
                 reason_text="Seen in ED")
    first.wait_for("closed")
    again = Loop(running_services, api_keys, person=first.payload["person"], source_agency_id="ed-central",
                 referrer={"name": "Dr Lee Park", "role": "ED consultant"}, **URGENT)
    again.wait_for("assigned")

    def raised(linking: Loop) -> list:
        log = httpx.get(issues, headers=api_keys.headers("triage-desk"))  # the log is oversight's and the desk's
        return [i for i in log.json() if i["kind"] == "repeated_crisis" and linking.id in i["linked_referrals"]]

    [issue] = eventually(lambda: raised(again), "the repeated crisis in the issue log")
    assert issue["linked_referrals"] == [first.id, again.id] and issue["status"] == "open"
    assert issue["summary"].startswith("2 crisis referrals for the same person")
    refused = httpx.get(issues, headers=api_keys.headers("gp-north"))  # its sender, but not the log's keeper
    assert refused.status_code == 403 and refused.json()["detail"] == \
        "gp-north: the partnership issue log is for oversight and the triage desk only"
    updated = httpx.patch(f"{issues}/{issue['issue_id']}",
                          json={"status": "in_progress", "owner": "Isobel Grant"}, headers=api_keys.headers(OVERSIGHT))
    assert updated.json()["status"] == "in_progress" and updated.json()["owner"] == "Isobel Grant"

    # A third crisis links to the same entry, whose summary now says three.
    again.record("withdrawn", "ed-central", person="Dr Lee Park", withdrawal_reason="no_longer_needed",
                 reason_text="Admitted")
    again.wait_for("closed")
    third = Loop(running_services, api_keys, person=first.payload["person"], **URGENT)
    third.wait_for("assigned")
    [linked] = eventually(lambda: raised(third), "the third crisis linked to the entry")
    assert linked["issue_id"] == issue["issue_id"] and linked["linked_referrals"] == [first.id, again.id, third.id]
    assert linked["summary"].startswith("3 crisis referrals for the same person")
    assert linked["status"] == "in_progress" and linked["owner"] == "Isobel Grant", "what people changed stays"


def test_no_show_rates_by_source(running_services, api_keys, platform_clock) -> None:
    since = platform_clock.now().isoformat()
    plans = {"gp-north": [1, 0, 2], "ed-central": [0, 1]}  # per referral: appointments missed before one kept
    loops = []
    for source, misses in plans.items():
        changes = {} if source == "gp-north" else {"source_agency_id": "ed-central",
                                                   "referrer": {"name": "Dr Lee Park", "role": "ED consultant"}}
        for missed in misses:
            loop = Loop(running_services, api_keys, **changes)
            loops.append(loop)
            loop.wait_for("assigned")
            loop.accept()
            loop.record("contact_attempted", attempt_number=1, outcome="reached", channel="phone")
            for _ in range(missed):
                loop.record("appointment_scheduled", appointment_at=(platform_clock.now() + timedelta(days=1)).isoformat())
                loop.record("appointment_missed")
            loop.record("appointment_scheduled", appointment_at=(platform_clock.now() + timedelta(days=2)).isoformat())
    last = Loop(running_services, api_keys)  # one gp-north referral with no appointment
    last.wait_for("assigned")
    for loop in (*loops, last):
        loop.projected()
    figures = httpx.get(f"{running_services['oversight']}/v1/oversight/summary", params={"since": since},
                        headers=api_keys.headers(OVERSIGHT)).json()["by_source"]
    for source, misses in plans.items():
        referrals = len(misses) + (1 if source == "gp-north" else 0)
        appointments, no_shows = sum(m + 1 for m in misses), sum(misses)
        assert figures[source] == {
            "referrals": referrals, "with_appointment": len(misses), "appointments": appointments,
            "no_shows": no_shows, "no_show_rate_pct": round(100 * no_shows / appointments, 1),
            "first_appointment_pct": round(100 * len(misses) / referrals, 1)}
