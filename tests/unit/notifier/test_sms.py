from referral_contracts.holders import HolderRole
from referral_contracts import EscalationStep, NotificationFailed, NotificationSent
from notifier.adapters.delivery_errors import PermanentDeliveryError, TransientDeliveryError
from notifier.domain import escalation_sms
from notifier.service_layer.notify import escalate

from tracking_free_events import escalation, escalation_v2

OPERATIONAL_PHONE = "+44 7700 900222"


def test_an_sms_carries_the_reference_action_and_deadline_and_nothing_personal() -> None:
    text = escalation_sms(escalation(EscalationStep.BREACH, overdue_seconds=60))
    assert "GPN-2026-0001" in text and "overdue" in text and "Due 2026-03-02 09:00 UTC" in text
    for personal in ("Jordan", "Example", "1990", "mood", "suicid", "sertraline"):
        assert personal not in text


async def test_transient_failures_are_retried_and_the_text_sent_once(channels, sms, bus) -> None:
    sms.failures = [TransientDeliveryError("503"), TransientDeliveryError("503")]
    event = escalation(EscalationStep.BREACH, overdue_seconds=60)
    for _ in range(2):  # redelivered
        await escalate(event, channels)
    assert sms.sent == [(OPERATIONAL_PHONE, escalation_sms(event))]
    assert bus.of_type(NotificationFailed) == []
    told = {(e.data.channel, e.data.recipient) for e in bus.of_type(NotificationSent)}
    assert told == {("sms", OPERATIONAL_PHONE), ("email", "priya.shah@cmh-east.example")}


async def test_a_provider_that_refuses_is_recorded_with_email_as_fallback(channels, sms, bus, sender) -> None:
    sms.failures = [PermanentDeliveryError("provider refused the message (400)")]
    event = escalation(EscalationStep.RISK_ALERT)
    assert await escalate(event, channels) == ["priya.shah@cmh-east.example"]  # e-mail still went
    [failed] = bus.of_type(NotificationFailed)
    assert failed.data.channel == "sms" and failed.data.fallback == "email" and failed.causation_id == event.event_id
    assert sms.sent == [] and sender.recipients() == ["priya.shah@cmh-east.example"]


async def test_a_provider_down_through_every_retry_is_recorded_too(channels, sms, bus) -> None:
    sms.failures = [TransientDeliveryError("503")] * 3
    await escalate(escalation(EscalationStep.BREACH, overdue_seconds=60), channels)
    [failed] = bus.of_type(NotificationFailed)
    assert failed.data.reason == "503" and sms.sent == []


async def test_reminders_go_by_email_only(channels, sms) -> None:
    await escalate(escalation(EscalationStep.REMINDER), channels)
    assert sms.sent == []


def test_the_triage_desks_text_asks_it_to_find_a_lead() -> None:
    desk = escalation_sms(escalation_v2(EscalationStep.BREACH, HolderRole.TRIAGE_DESK, overdue_seconds=60))
    assert "overdue and no agency has it: name a lead or take it" in desk and len(desk) <= 160
    assert "contact now" in escalation_sms(escalation_v2(EscalationStep.BREACH, HolderRole.LEAD, agency="cmh-east"))
