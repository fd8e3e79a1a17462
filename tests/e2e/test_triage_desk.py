"""No dead ends, through the five running services: a referral redirected twice with no agency left
reaches the triage desk, which can always act on it, with someone accountable throughout."""

from __future__ import annotations

import pytest

from polling import eventually
from referral_driver import Loop

pytestmark = pytest.mark.e2e
DESK = "triage-desk"


def with_nobody_left(running_services, api_keys) -> tuple[Loop, str]:
    """Accepted by cmh-east, redirected, accepted by the next agency, redirected again: nobody is left."""
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    loop.accept()
    loop.record("redirect_requested", redirect_reason="no_capacity", reason_text="Caseload full")
    second = eventually(lambda: loop.view()["pending_lead_agency_id"], "triage to offer it to the next agency")
    loop.accept(second, "Ana Ruiz")
    loop.record("redirect_requested", second, redirect_reason="not_eligible", reason_text="Out of scope",
                person="Ana Ruiz")
    eventually(lambda: DESK in {a["agency_id"] for a in loop.view()["accountable"]}, "the triage desk to join")
    return loop, second


def desk(loop: Loop, kind: str, **details):
    return loop.record(kind, DESK, person="Dee Desk", **details)


def assert_accountable_throughout(view: dict) -> None:
    periods = view["accountability"]
    assert all(a["end"] == b["start"] for a, b in zip(periods, periods[1:])), "accountability had a gap"
    assert all(p["accountable"] for p in periods), "a period with nobody accountable"


def test_the_desk_names_a_lead_outside_the_usual_match_and_the_loop_closes_there(running_services, api_keys) -> None:
    loop, second = with_nobody_left(running_services, api_keys)
    desk(loop, "acknowledged")  # the desk confirms it has it (was 409: not the accountable lead agency)
    desk(loop, "redirect_requested", redirect_reason="better_fit_elsewhere", suggested_agency_id="housing-support",
         reason_text="Tenancy at risk is the need behind it; housing support agreed by phone")
    offered = eventually(lambda: loop.view()["pending_lead_agency_id"], "triage to assign the desk's named agency")
    assert offered == "housing-support"
    view = loop.view()
    assert {a["agency_id"] for a in view["accountable"]} == {second, DESK}, "held until housing-support accepts"
    decision = [e["what"] for e in view["timeline"] if e["event_type"] == "referral.triaged"][-1]
    assert decision.startswith("rerouted: lead housing-support")
    loop.accept("housing-support", "Bo Hart")
    loop.record("contact_attempted", "housing-support", person="Bo Hart", attempt_number=1, outcome="reached",
                channel="phone")
    loop.record("engaged", "housing-support", person="Bo Hart")
    closed = loop.wait_for("closed")
    assert closed["closure"]["closing_agency_id"] == "housing-support"
    assert closed["previous_leads"] == ["cmh-east", second]
    assert [e["refused"] for e in closed["timeline"]] == [None] * len(closed["timeline"])
    assert_accountable_throughout(closed)


def test_the_desk_takes_it_itself_and_closes_the_loop(running_services, api_keys) -> None:
    loop, second = with_nobody_left(running_services, api_keys)
    desk(loop, "accepted", owner="Dee Desk")  # was 409: not allowed in state redirecting
    taken = loop.view()
    assert (taken["state"], taken["lead_agency_id"], taken["owner"]) == ("accepted", DESK, "Dee Desk")
    assert [(a["agency_id"], a["role"]) for a in taken["accountable"]] == [(DESK, "lead")]
    desk(loop, "contact_attempted", attempt_number=1, outcome="reached", channel="phone")
    desk(loop, "engaged")
    closed = loop.wait_for("closed")
    assert closed["closure"]["closing_agency_id"] == DESK and closed["previous_leads"] == ["cmh-east", second]
    assert_accountable_throughout(closed)


def test_the_desk_escalates(running_services, api_keys) -> None:
    loop, _ = with_nobody_left(running_services, api_keys)
    desk(loop, "escalated", escalation_pathway="crisis", owner="Kit Moss", escalated_to_agency_id="crisis-team",
         reason_text="Risk rising while no service fits")
    closed = loop.wait_for("closed")
    assert closed["closure"]["outcome"] == "escalated" and closed["closure"]["closing_agency_id"] == DESK
    assert_accountable_throughout(closed)
