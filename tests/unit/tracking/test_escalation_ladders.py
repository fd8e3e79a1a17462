"""The failed-contact ladder, the post-crisis review clock, the owner's reason for a breach, and
who was told: the pure rules, driven by a chosen `now`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referral_contracts import (
    AcuityTier,
    Actor,
    Delivery,
    EscalationStep,
    FailedContactAction,
    NotificationSent,
)
from referral_contracts.directory import LeadRole
from referral_contracts.policy import load_policy
from tracking.deadlines.ladders import due_now, escalation_event, ladder
from tracking.lifecycle.fold import apply, check, fold
from tracking.lifecycle.refusal import Refused

from event_factories import at, milestone, submitted, triaged

POLICY = load_policy(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "policy.yaml")
NO_ANSWER = {"outcome": "no_answer", "channel": "phone"}


def accepted_referral(tier: AcuityTier = AcuityTier.URGENT, review_hours: float | None = None):
    first = submitted()
    decision = triaged(first, tier=tier)
    if review_hours is not None:
        decision = decision.model_copy(update={"data": decision.data.model_copy(
            update={"review_deadline": at(60 * review_hours)})})
    rid = first.referral_id
    return rid, [first, decision, milestone(rid, "acknowledged", 5), milestone(rid, "accepted", 10)]


def failed_attempts(rid, count: int, start_minute: float = 20) -> list:
    return [milestone(rid, "contact_attempted", start_minute + i, attempt_number=i + 1, **NO_ANSWER)
            for i in range(count)]


def fire(view, now):
    for rung in due_now(view, POLICY, now):
        view = apply(view, escalation_event(view, rung, now))
    return view


def test_each_failed_attempt_brings_the_policys_next_step_to_the_lead_who_signs_it_off() -> None:
    rid, events = accepted_referral()
    view = fold(events)
    fired = []
    for attempt in failed_attempts(rid, 3):
        view = fire(apply(view, attempt), attempt.occurred_at)
        fired.append((view.escalations[-1].action, view.escalations[-1].role, view.escalations[-1].failed_attempts))
    assert fired == [(FailedContactAction.ALTERNATE_CONTACT, LeadRole.OPERATIONAL, 1),
                     (FailedContactAction.WELFARE_CHECK, LeadRole.SAFEGUARDING, 2),
                     (FailedContactAction.REROUTE, LeadRole.OPERATIONAL, 3)]
    assert due_now(view, POLICY, at(60 * 24)) == []  # nothing after the last step of the ladder


def test_a_run_of_failures_recorded_at_once_fires_only_the_step_reached() -> None:
    rid, events = accepted_referral()
    view = fire(fold([*events, *failed_attempts(rid, 3)]), at(30))
    assert [(e.step, e.action) for e in view.escalations] == [(EscalationStep.FAILED_CONTACT, FailedContactAction.REROUTE)]


def test_reaching_the_person_starts_the_count_again() -> None:
    rid, events = accepted_referral()
    reached = milestone(rid, "contact_attempted", 25, attempt_number=3)
    view = fold([*events, *failed_attempts(rid, 2), reached])
    assert view.failed_contact_attempts == 0 and ladder(view, POLICY) == []


def test_each_run_of_failed_attempts_is_a_ladder_of_its_own() -> None:
    """Failures, then the person reached, then failures again: the second run's steps fire again,
    once each, and firing its rungs again (a redelivery) changes nothing."""
    rid, events = accepted_referral()
    view = fold(events)
    runs = [failed_attempts(rid, 2, start_minute=20), [milestone(rid, "contact_attempted", 30, attempt_number=3)],
            failed_attempts(rid, 2, start_minute=40)]
    for attempt in [a for run in runs for a in run]:
        view = fire(apply(view, attempt), attempt.occurred_at)
    steps = [(e.action, e.failed_attempts) for e in view.escalations if e.step is EscalationStep.FAILED_CONTACT]
    assert steps == [(FailedContactAction.ALTERNATE_CONTACT, 1), (FailedContactAction.WELFARE_CHECK, 2)] * 2
    assert len({e.event_id for e in view.escalations}) == len(view.escalations)
    assert fire(view, at(60 * 24)).escalations == view.escalations, "nothing fires twice"


def test_a_warm_handoff_escalates_to_both_accountable_agencies() -> None:
    """The sender stays accountable beside the lead until engagement: each rung goes to the named
    lead of its role in both, as its own event."""
    first = submitted(risk_flags=["suicidal_ideation"])
    rid = first.referral_id
    events = [first, triaged(first, tier=AcuityTier.URGENT, warm_handoff=True), milestone(rid, "accepted", 10)]
    view = fire(fold(events), at(60 * 24 * 30))  # long past every deadline
    told = {(e.step, e.agency_id, e.role) for e in view.escalations}
    for step, role in ((EscalationStep.RISK_ALERT, LeadRole.SAFEGUARDING), (EscalationStep.BREACH, LeadRole.OPERATIONAL)):
        assert {(step, "cmh-east", role), (step, "gp-north", role)} <= told
    view = fire(apply(view, failed_attempts(rid, 1, start_minute=60 * 24 * 30)[0]), at(60 * 24 * 31))
    failed = {e.agency_id for e in view.escalations if e.step is EscalationStep.FAILED_CONTACT}
    assert failed == {"cmh-east", "gp-north"}
    assert len({e.event_id for e in view.escalations}) == len(view.escalations)


def test_routine_failed_contact_steps_wait_for_working_hours() -> None:
    rid, events = accepted_referral(AcuityTier.ROUTINE)
    evening = 60 * 10  # 19:00 on the Monday
    [rung] = ladder(fold([*events, *failed_attempts(rid, 1, start_minute=evening)]), POLICY)
    assert rung.at == at(60 * 24)  # Tuesday 09:00


def test_the_post_crisis_review_is_escalated_when_still_open_at_its_deadline() -> None:
    rid, events = accepted_referral(AcuityTier.CRISIS_FOLLOW_UP, review_hours=72)
    view = fold([*events, milestone(rid, "contact_attempted", 20)])  # the first-contact clock stopped
    assert [r.step for r in ladder(view, POLICY)] == [EscalationStep.REVIEW_OVERDUE]
    assert due_now(view, POLICY, at(60 * 72 - 1)) == []
    view = fire(view, at(60 * 72 + 30))
    [review] = view.escalations
    assert (review.step, review.role, review.overdue_seconds) == (EscalationStep.REVIEW_OVERDUE, LeadRole.CLINICAL, 1800)


def test_engagement_stops_the_review_clock_and_a_late_review_alarm_is_refused() -> None:
    rid, events = accepted_referral(AcuityTier.CRISIS_FOLLOW_UP, review_hours=72)
    open_view = fold([*events, milestone(rid, "contact_attempted", 20)])
    [rung] = ladder(open_view, POLICY)
    engaged = fold([*events, milestone(rid, "contact_attempted", 20), milestone(rid, "engaged", 60 * 48)])
    assert ladder(engaged, POLICY) == []
    with pytest.raises(Refused, match="no post-crisis review is pending"):
        check(engaged, escalation_event(open_view, rung, at(60 * 72)))


def breached(rid, events):
    view = fold(events)
    return fire(view, view.contact_deadline + timedelta(minutes=5))


def explanation(rid, escalation_id, agency="cmh-east", minute=60 * 24 * 20):
    return milestone(rid, "breach_explained", minute, agency=agency, explains_escalation_id=escalation_id,
                     reason_text="Two staff off sick; the duty worker missed the call-back list")


def test_the_owner_explains_a_breach_later_even_after_closure() -> None:
    rid, events = accepted_referral(AcuityTier.ROUTINE)
    view = breached(rid, events)
    breach = next(e for e in view.escalations if e.step is EscalationStep.BREACH)
    assert breach.overdue_seconds == 300
    closed = apply(view, milestone(rid, "engaged", 60 * 24 * 15))
    explained = apply(closed, explanation(rid, breach.event_id))
    record = next(e for e in explained.escalations if e.event_id == breach.event_id)
    assert record.explanation.reason_text.startswith("Two staff off sick") and record.explanation.person == "Sam Lee"
    with pytest.raises(Refused, match="already explained"):
        check(explained, explanation(rid, breach.event_id, minute=60 * 24 * 21))


def test_only_the_agency_that_missed_it_explains_a_breach_and_only_a_missed_deadline() -> None:
    rid, events = accepted_referral(AcuityTier.ROUTINE)
    view = breached(rid, events)
    breach = next(e for e in view.escalations if e.step is EscalationStep.BREACH)
    reminder = next(e for e in view.escalations if e.step is EscalationStep.REMINDER)
    with pytest.raises(Refused, match="cmh-east's to explain"):
        check(view, explanation(rid, breach.event_id, agency="gp-north"))
    with pytest.raises(Refused, match="no missed deadline"):
        check(view, explanation(rid, reminder.event_id))
    with pytest.raises(Refused, match="no missed deadline"):
        check(view, explanation(rid, uuid4()))


def test_who_was_told_is_recorded_on_the_escalation() -> None:
    rid, events = accepted_referral(AcuityTier.ROUTINE)
    view = breached(rid, events)
    breach = next(e for e in view.escalations if e.step is EscalationStep.BREACH)
    sent = NotificationSent.create(
        referral_id=rid, correlation_id=view.correlation_id, causation_id=breach.event_id,
        actor=Actor(agency_id="platform-notifier"), occurred_at=breach.at + timedelta(seconds=2),
        data=Delivery(channel="sms", purpose="escalation breach", agency_id="cmh-east", role=LeadRole.OPERATIONAL,
                      recipient="+44 7700 900222", notified_event_id=breach.event_id))
    told = apply(view, sent)
    record = next(e for e in told.escalations if e.event_id == breach.event_id)
    assert [(n.channel, n.recipient) for n in record.notified] == [("sms", "+44 7700 900222")]
    assert "escalation breach sent by sms" in told.timeline[-1].what
    assert told.last_activity_at == view.last_activity_at  # a notice is not activity on the referral


@settings(max_examples=50, deadline=None)
@given(failures=st.integers(min_value=0, max_value=6), sweeps=st.lists(st.integers(0, 60 * 24 * 30), max_size=6))
def test_however_often_and_whenever_the_watcher_looks_each_rung_fires_at_most_once(failures, sweeps) -> None:
    rid, events = accepted_referral(AcuityTier.CRISIS_FOLLOW_UP, review_hours=72)
    view = fold([*events, *failed_attempts(rid, failures)])
    for minute in sorted(sweeps):
        view = fire(view, at(minute))
    ids = [e.event_id for e in view.escalations]
    assert len(ids) == len(set(ids))
    assert all(e.refused is None for e in view.timeline)

