"""The escalation ladder: when each rung falls due, and what stops the clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from referral_contracts import AcuityTier, EscalationStep
from referral_contracts.policy import load_policy
from tracking.deadlines.ladders import due_now, escalation_event, held_until, ladder, next_escalation_at
from tracking.lifecycle.fold import apply, fold

from event_factories import milestone, submitted, triaged

POLICY = load_policy(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "policy.yaml")


def assigned(tier: AcuityTier, start: datetime, deadline: datetime):
    first = submitted()
    decision = triaged(first, tier=tier)
    data = decision.data.model_copy(update={"clock_started_at": start, "contact_deadline": deadline})
    return first, [first, decision.model_copy(update={"data": data})]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_rungs_fall_at_the_share_the_deadline_and_after_it() -> None:
    # Monday 09:00 to Monday 17:00 (London is UTC in March): reminder at 75 % = 15:00.
    _, events = assigned(AcuityTier.ROUTINE, utc(2026, 3, 2, 9), utc(2026, 3, 2, 17))
    rungs = ladder(fold(events), POLICY)
    assert [(r.step, r.at) for r in rungs[:2]] == [
        (EscalationStep.REMINDER, utc(2026, 3, 2, 15)), (EscalationStep.BREACH, utc(2026, 3, 2, 17))]
    assert rungs[1].role.value == POLICY.escalation.breach_notifies.value and rungs[1].agency_id == "cmh-east"


def test_routine_escalations_wait_for_working_hours_and_urgent_ones_do_not() -> None:
    # A deadline at 23:00 on a Friday: routine waits for Monday 09:00, urgent fires at 23:00.
    deadline = utc(2026, 3, 6, 23)
    routine = ladder(fold(assigned(AcuityTier.ROUTINE, utc(2026, 3, 6, 19), deadline)[1]), POLICY)
    urgent = ladder(fold(assigned(AcuityTier.URGENT, utc(2026, 3, 6, 19), deadline)[1]), POLICY)
    assert routine[1].at == utc(2026, 3, 9, 9)
    assert urgent[1].at == deadline


def test_a_fired_rung_does_not_fire_again_and_first_contact_stops_the_clock() -> None:
    first, events = assigned(AcuityTier.URGENT, utc(2026, 3, 2, 9), utc(2026, 3, 2, 17))
    view = fold(events)
    now = utc(2026, 3, 2, 17, 30)
    due = due_now(view, POLICY, now)
    assert [r.step for r in due] == [EscalationStep.REMINDER, EscalationStep.BREACH]
    for rung in due:
        view = apply(view, escalation_event(view, rung, now))
    assert view.escalations[1].overdue_seconds == 30 * 60
    assert due_now(view, POLICY, now) == [] and next_escalation_at(view, POLICY) > now
    assert escalation_event(fold(events), due[1], now).event_id == view.escalations[1].event_id
    rid = first.referral_id
    contacted = fold([*events, milestone(rid, "accepted", 10), milestone(rid, "contact_attempted", 20)])
    assert ladder(contacted, POLICY) == [] and next_escalation_at(contacted, POLICY) is None


@pytest.mark.parametrize("hours", [1, 30, 200])
def test_the_next_rung_is_never_before_the_clock_started(hours: int) -> None:
    start = utc(2026, 3, 2, 10)
    _, events = assigned(AcuityTier.URGENT, start, start + timedelta(hours=hours))
    assert next_escalation_at(fold(events), POLICY) > start


def test_a_risk_flagged_referral_alerts_at_once_even_at_night() -> None:
    first = submitted(risk_flags=["safeguarding_concern"])
    night = utc(2026, 3, 6, 23)
    decision = triaged(first, tier=AcuityTier.PRIORITY)
    data = decision.data.model_copy(update={"clock_started_at": night, "contact_deadline": night + timedelta(days=7)})
    view = fold([first, decision.model_copy(update={"data": data})])
    alert = ladder(view, POLICY)[0]
    assert alert.step is EscalationStep.RISK_ALERT and alert.at == night
    assert alert.role is POLICY.escalation.risk_flags_notify_immediately
    assert [r.step for r in due_now(view, POLICY, night)] == [EscalationStep.RISK_ALERT]
    assert ladder(fold(assigned(AcuityTier.PRIORITY, night, night + timedelta(days=7))[1]), POLICY)[0].step \
        is EscalationStep.REMINDER


def test_a_routine_rung_the_watcher_finds_overdue_at_night_waits_for_the_morning() -> None:
    # Due at 17:00 Monday; the watcher was down until 23:00: routine waits for Tuesday 09:00.
    deadline, night = utc(2026, 3, 2, 17), utc(2026, 3, 2, 23)
    routine = fold(assigned(AcuityTier.ROUTINE, utc(2026, 3, 2, 9), deadline)[1])
    assert due_now(routine, POLICY, night) == []
    assert held_until(routine, POLICY, night) == utc(2026, 3, 3, 9)
    assert [r.step for r in due_now(routine, POLICY, utc(2026, 3, 3, 9))] == [EscalationStep.REMINDER,
                                                                              EscalationStep.BREACH]
    urgent = fold(assigned(AcuityTier.URGENT, utc(2026, 3, 2, 9), deadline)[1])
    assert [r.step for r in due_now(urgent, POLICY, night)] == [EscalationStep.REMINDER, EscalationStep.BREACH]
    assert held_until(urgent, POLICY, night) is None
