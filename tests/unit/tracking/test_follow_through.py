"""Follow-through after a consult: the sender turns the advice into a plan update, then briefs the
staff, each within the policy's time, or it escalates like any other clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from referral_contracts import EscalationStep
from referral_contracts.directory import LeadRole
from referral_contracts.policy import load_policy
from tracking.deadlines.ladders import due_now, escalation_event, ladder
from tracking.lifecycle.fold import apply, check, fold
from tracking.lifecycle.refusal import Refused

from event_factories import at, closed_loop, milestone

POLICY = load_policy(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "policy.yaml")
PLAN = {"plan_today": "Night staff check in at 22:00", "plan_two_weeks": "Weekly call with the CMHT",
        "needs_partner_input": "Medication review"}


def engaged():
    events = closed_loop()
    return events[0].referral_id, events


def sender(rid, kind, minute, **details):
    return milestone(rid, kind, minute, agency="gp-north", person="Dr Amara Okafor", **details)


def test_the_steps_go_consult_then_plan_then_briefing_each_by_its_agency() -> None:
    rid, events = engaged()
    view = fold([*events, milestone(rid, "consult_completed", 60), sender(rid, "plan_updated", 120, **PLAN),
                 sender(rid, "staff_briefed", 180)])
    follow = view.follow_through
    assert (follow.consult_by, follow.plan_today, follow.staff_briefed_at) == ("cmh-east", PLAN["plan_today"], at(180))
    assert follow.next_step is None and ladder(view, POLICY) == []


def test_out_of_order_or_by_the_wrong_agency_is_refused() -> None:
    rid, events = engaged()
    view = fold(events)
    with pytest.raises(Refused, match="out of order: next is consult"):
        check(view, sender(rid, "plan_updated", 60, **PLAN))
    with pytest.raises(Refused, match="cmh-east's to record"):
        check(view, sender(rid, "consult_completed", 60))
    consulted = apply(view, milestone(rid, "consult_completed", 60))
    with pytest.raises(Refused, match="gp-north's to update"):
        check(consulted, milestone(rid, "plan_updated", 70, **PLAN))
    with pytest.raises(Refused, match="next is plan_update"):
        check(consulted, sender(rid, "staff_briefed", 70))
    open_referral = fold(events[:-1])
    with pytest.raises(Refused, match="follows engagement"):
        check(open_referral, milestone(rid, "consult_completed", 60))


def test_a_plan_not_updated_in_time_escalates_to_the_senders_lead_and_stops_once_updated() -> None:
    rid, events = engaged()
    view = fold([*events, milestone(rid, "consult_completed", 60)])  # Monday 10:00
    [rung] = ladder(view, POLICY)
    assert (rung.step, rung.agency_id, rung.role) == (EscalationStep.PLAN_UPDATE_OVERDUE, "gp-north", LeadRole.OPERATIONAL)
    assert rung.at == at(60 * 24 * 2 + 8 * 60)  # close of business two working days later (Wed 17:00)
    assert due_now(view, POLICY, rung.at - timedelta(minutes=1)) == []
    assert due_now(view, POLICY, rung.at + timedelta(hours=1)) == []  # routine work: not at 18:00
    late = at(60 * 24 * 3 + 30)  # Thursday 09:30
    [due] = due_now(view, POLICY, late)
    escalated = apply(view, escalation_event(view, due, late))
    assert escalated.escalations[-1].step is EscalationStep.PLAN_UPDATE_OVERDUE
    assert escalated.escalations[-1].overdue_seconds == int(16.5 * 3600)
    updated = apply(escalated, sender(rid, "plan_updated", 60 * 24 * 3, **PLAN))
    assert [r.step for r in ladder(updated, POLICY)] == [EscalationStep.STAFF_BRIEFING_OVERDUE]
