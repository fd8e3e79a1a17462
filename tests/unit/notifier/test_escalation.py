from referral_contracts.holders import HolderRole
from pathlib import Path

from referral_contracts import EscalationStep, FailedContactAction, NotificationSent
from referral_contracts.directory import Directory, LeadRole
from notifier.domain import escalation_notice
from notifier.service_layer.notify import escalate
from tracking_free_events import escalation, escalation_v2

DIRECTORY = Directory.load(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "hsds")


def test_a_breach_notice_says_what_is_overdue_and_by_how_much_but_not_who() -> None:
    notice = escalation_notice(escalation(EscalationStep.BREACH, overdue_seconds=5400))
    assert "Deadline missed" in notice.subject and "[routine]" in notice.subject
    assert "1 h 30 min" in notice.text and "GPN-2026-0001" in notice.text
    for personal in ("Jordan", "Example", "1990", "low mood", "sertraline"):
        assert personal not in notice.text + notice.html + notice.subject


async def test_the_named_operational_lead_is_emailed_once(channels, sender) -> None:
    event = escalation(EscalationStep.BREACH, overdue_seconds=60)
    for _ in range(2):  # redelivered
        await escalate(event, channels)
    assert sender.recipients() == ["priya.shah@cmh-east.example"]


def test_a_failed_contact_notice_names_the_next_step_who_signs_it_off_and_the_guidance() -> None:
    event = escalation(EscalationStep.FAILED_CONTACT, role=LeadRole.SAFEGUARDING)
    data = event.data.model_copy(update={"failed_attempts": 2, "action": FailedContactAction.WELFARE_CHECK,
                                         "guidance": "Request a welfare check if the tier is urgent."})
    notice = escalation_notice(event.model_copy(update={"data": data}))
    assert "2 failed contact attempts" in notice.subject
    assert "welfare check" in notice.text and "safeguarding lead signs off" in notice.text
    assert "Request a welfare check if the tier is urgent." in notice.text + notice.html


def test_a_review_overdue_notice_says_when_the_review_was_due() -> None:
    notice = escalation_notice(escalation(EscalationStep.REVIEW_OVERDUE, overdue_seconds=3600))
    assert "Post-crisis review overdue" in notice.subject and "Review due by: 2026-03-02 09:00 UTC" in notice.text


async def test_a_relay_that_fails_twice_is_retried_within_the_call_and_the_delivery_reported(
    channels, sender, bus
) -> None:
    sender.failures = 2  # Retry(3, 0): the third attempt goes through
    event = escalation(EscalationStep.REMINDER)
    assert await escalate(event, channels) == ["priya.shah@cmh-east.example"]
    [sent] = bus.of_type(NotificationSent)
    assert (sent.data.channel, sent.data.recipient, sent.data.notified_event_id) == (
        "email", "priya.shah@cmh-east.example", event.event_id)
    assert sent.occurred_at >= event.occurred_at


def test_the_triage_desk_holding_a_referral_no_agency_took_is_asked_to_find_it_a_lead() -> None:
    """v2 says how the agency told holds the referral: the desk's breach and reminder say no agency
    has it and what the desk can do; a lead's wording is as in v1."""
    breach = escalation_notice(escalation_v2(EscalationStep.BREACH, HolderRole.TRIAGE_DESK, overdue_seconds=600))
    assert "no agency has taken the referral" in breach.subject
    assert "name a lead, take it on yourselves, or escalate it now" in breach.text
    reminder = escalation_notice(escalation_v2(EscalationStep.REMINDER, HolderRole.TRIAGE_DESK))
    assert "no agency has taken" in reminder.subject and "before the deadline" in reminder.text
    for lead in (escalation_v2(EscalationStep.BREACH, HolderRole.LEAD, agency="cmh-east", overdue_seconds=600),
                 escalation(EscalationStep.BREACH, overdue_seconds=600)):  # v1: a lead
        notice = escalation_notice(lead)
        assert "make contact now, or record why not" in notice.text and "no agency" not in notice.subject
