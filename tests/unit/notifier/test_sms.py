from pathlib import Path

from referral_contracts import EscalationStep, NotificationFailed
from referral_contracts.directory import Directory
from notifier.adapters.sms_sender import PermanentDeliveryError, TransientDeliveryError
from notifier.domain import escalation_sms
from notifier.service_layer.sms import text_escalation

from tracking_free_events import escalation

DIRECTORY = Directory.load(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "hsds")


class FlakySms:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures, self.sent = list(failures), []

    async def send(self, *, to: str, body: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, body))


class Bus:
    def __init__(self) -> None:
        self.published = []

    async def publish(self, topic, event) -> None:
        self.published.append((topic, event))


def test_an_sms_carries_the_reference_action_and_deadline_and_nothing_personal() -> None:
    text = escalation_sms(escalation(EscalationStep.BREACH, overdue_seconds=60))
    assert "GPN-2026-0001" in text and "overdue" in text and "Due 2026-03-02 09:00 UTC" in text
    for personal in ("Jordan", "Example", "1990", "mood", "suicid", "sertraline"):
        assert personal not in text


async def test_transient_failures_are_retried_and_the_text_sent_once(ledger) -> None:
    sms, bus = FlakySms([TransientDeliveryError("503"), TransientDeliveryError("503")]), Bus()
    event = escalation(EscalationStep.BREACH, overdue_seconds=60)
    for _ in range(2):  # redelivered
        await text_escalation(event, directory=DIRECTORY, ledger=ledger, sms=sms, bus=bus, attempts=3, base_seconds=0)
    assert len(sms.sent) == 1 and bus.published == []


async def test_a_provider_that_keeps_failing_is_recorded_with_email_as_fallback(ledger) -> None:
    sms, bus = FlakySms([PermanentDeliveryError("provider refused the message (400)")]), Bus()
    event = escalation(EscalationStep.RISK_ALERT)
    assert await text_escalation(event, directory=DIRECTORY, ledger=ledger, sms=sms, bus=bus,
                                 attempts=3, base_seconds=0) == []
    [(topic, failed)] = bus.published
    assert topic == "notification.outcomes.v1" and isinstance(failed, NotificationFailed)
    assert failed.data.fallback == "email" and failed.causation_id == event.event_id


async def test_reminders_go_by_email_only(ledger) -> None:
    sms = FlakySms([])
    await text_escalation(escalation(EscalationStep.REMINDER), directory=DIRECTORY, ledger=ledger, sms=sms,
                          bus=Bus(), attempts=1, base_seconds=0)
    assert sms.sent == []
