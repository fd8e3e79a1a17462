from pathlib import Path

from referral_contracts import EscalationStep
from referral_contracts.directory import Directory
from notifier.domain import escalation_notice
from notifier.service_layer.notify import escalate
from tracking_free_events import escalation

DIRECTORY = Directory.load(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "hsds")


def test_a_breach_notice_says_what_is_overdue_and_by_how_much_but_not_who() -> None:
    notice = escalation_notice(escalation(EscalationStep.BREACH, overdue_seconds=5400))
    assert "Deadline missed" in notice.subject and "[routine]" in notice.subject
    assert "1 h 30 min" in notice.text and "GPN-2026-0001" in notice.text
    for personal in ("Jordan", "Example", "1990", "low mood", "sertraline"):
        assert personal not in notice.text + notice.html + notice.subject


async def test_the_named_operational_lead_is_emailed_once(ledger, sender) -> None:
    event = escalation(EscalationStep.BREACH, overdue_seconds=60)
    for _ in range(2):  # redelivered
        await escalate(event, directory=DIRECTORY, ledger=ledger, sender=sender, from_address="p@platform.example")
    assert sender.recipients() == ["priya.shah@cmh-east.example"]
