"""The notifier against the real store and a real SMTP sink: a closure is emailed once in effect."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient, monitoring
from devstack.smtp_sink import read_messages

from notifier.adapters.delivery_ledger import MongoDeliveryLedger, connect
from notifier.adapters.email_sender import SmtpEmailSender
from notifier.domain import EMAIL
from notifier.service_layer.deliveries import Channels
from notifier.service_layer.notify import notify_closure

from event_factories import closed
from factories import agency_payload, directory
from recording_bus import RecordingBus

pytestmark = pytest.mark.integration

FROM = "closed-loop-referrals@platform.example"
PARTNERS = directory(
    agency_payload("gp-north", name="North Street Medical Practice", leads=[
        {"role": "referral_contact", "name": "Practice referrals team", "email": "referrals@gp-north.example"},
    ]),
    agency_payload("cmh-east", name="East Community Mental Health Team"),
)


@pytest.fixture
async def ledger(mongodb_url: str):
    client = connect(mongodb_url)
    database = client[f"notifier_test_{uuid4().hex[:8]}"]
    yield MongoDeliveryLedger(database)
    await client.drop_database(database.name)
    await client.close()


def arrived_for(smtp_sink, referral_id) -> list:
    # The sink is shared by the whole session: pick this test's messages by their referral id.
    return [m for m in read_messages(smtp_sink.maildir) if str(referral_id) in m.get_body(("plain",)).get_content()]


async def test_a_closure_arrives_once_with_the_right_headers(ledger: MongoDeliveryLedger, smtp_sink) -> None:
    event = closed(client_reference="GPN-2026-0099")
    sender = SmtpEmailSender(smtp_sink.host, smtp_sink.port, timeout=10)

    bus = RecordingBus()
    channels = Channels(directory=PARTNERS, ledger=ledger, email=sender, from_address=FROM, bus=bus)

    async def notify() -> list[str]:
        return await notify_closure(event, channels)

    assert await notify() == ["referrals@gp-north.example"]
    assert await notify() == []  # the redelivery: nothing more is sent
    [message] = arrived_for(smtp_sink, event.referral_id)
    assert message["To"] == "referrals@gp-north.example" and message["X-RcptTo"] == "referrals@gp-north.example"
    assert message["From"] == FROM
    assert message["Subject"] == "Referral closed (engaged): your reference GPN-2026-0099"
    assert message["Message-ID"].startswith(f"<{event.event_id}.email.")
    assert "East Community Mental Health Team" in message.get_body(("html",)).get_content()
    told = {e.event_id: e.data for _, e in bus.published}  # the redelivery says "sent" again, same id
    [(channel, recipient)] = [(d.channel, d.recipient) for d in told.values()]
    assert (channel, recipient) == (EMAIL, "referrals@gp-north.example")


async def test_a_claim_is_granted_again_until_the_delivery_is_marked_sent(ledger: MongoDeliveryLedger) -> None:
    event_id = uuid4()
    assert await ledger.claim(event_id, EMAIL, "refs@gp.example") is True
    assert await ledger.claim(event_id, EMAIL, "refs@gp.example") is True  # a crash before mark_sent
    await ledger.mark_sent(event_id, EMAIL, "refs@gp.example")
    assert await ledger.claim(event_id, EMAIL, "refs@gp.example") is False
    assert await ledger.claim(event_id, EMAIL, "other@gp.example") is True
    assert await ledger.claim(uuid4(), EMAIL, "refs@gp.example") is True


async def test_a_relay_nobody_answers_is_a_transient_failure() -> None:
    from devstack.ports import free_port
    from notifier.adapters.delivery_errors import TransientDeliveryError
    from notifier.domain import Notice, compose_email

    from referral_contracts import utc_now

    sender = SmtpEmailSender("127.0.0.1", free_port(), timeout=5)
    email = compose_email(Notice("s", "t", "<p>h</p>"), sender=FROM, recipient="a@gp.example",
                          message_id="<x@test>", sent_at=utc_now())
    with pytest.raises(TransientDeliveryError, match="relay unreachable"):
        await sender.send(email)


class _Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("findAndModify", "update", "find"):
            self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...

    def failed(self, event: monitoring.CommandFailedEvent) -> None: ...


async def test_deliveries_claimed_and_marked_at_once_share_their_round_trips(mongodb_url: str) -> None:
    """The deliveries of a consumer's batch are handled concurrently: their claims go to the store
    as one bulk upsert and one read, their marks as one update; each answer is its own delivery's."""
    commands = _Commands()
    client = AsyncMongoClient(mongodb_url, uuidRepresentation="standard", tz_aware=True, event_listeners=[commands])
    database = client[f"notifier_test_{uuid4().hex[:8]}"]
    try:
        ledger = MongoDeliveryLedger(database)
        events = [uuid4() for _ in range(20)]
        await ledger.claim(events[0], EMAIL, "lead@cmh-east.example")
        await ledger.mark_sent(events[0], EMAIL, "lead@cmh-east.example")  # sent before: not again
        commands.names.clear()
        granted = await asyncio.gather(*(ledger.claim(e, EMAIL, "lead@cmh-east.example") for e in events))
        assert granted == [False] + [True] * 19
        assert commands.names == ["update", "find"]
        await asyncio.gather(*(ledger.mark_sent(e, EMAIL, "lead@cmh-east.example") for e in events[1:]))
        assert commands.names == ["update", "find", "update"]
        assert not any(await asyncio.gather(*(ledger.claim(e, EMAIL, "lead@cmh-east.example") for e in events)))
    finally:
        await client.drop_database(database.name)
        await client.close()
