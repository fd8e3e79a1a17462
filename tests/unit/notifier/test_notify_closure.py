"""The service layer: one email per referral contact, never twice, never skipped on failure."""

from __future__ import annotations

import pytest

from notifier.domain import EMAIL, UnknownAgency
from notifier.adapters.delivery_errors import TransientDeliveryError
from notifier.service_layer.deliveries import Channels, Retry
from notifier.service_layer.notify import notify_closure

from event_factories import closed
from factories import agency_payload, directory
from recording_bus import RecordingBus

FROM = "closed-loop-referrals@platform.example"
TWO_CONTACTS = directory(
    agency_payload("gp-north", leads=[{"role": "referral_contact", "name": "A", "email": "a@gp.example"},
                                      {"role": "referral_contact", "name": "B", "email": "b@gp.example"}]),
    agency_payload("cmh-east"),
)


async def notify(event, ledger, sender, partners=TWO_CONTACTS) -> list[str]:
    channels = Channels(directory=partners, ledger=ledger, email=sender, from_address=FROM, bus=RecordingBus(),
                        retry=Retry(attempts=1, base_seconds=0))
    return await notify_closure(event, channels)


async def test_each_contact_is_emailed_once_however_often_the_event_comes(ledger, sender) -> None:
    event = closed()
    assert await notify(event, ledger, sender) == ["a@gp.example", "b@gp.example"]
    assert await notify(event, ledger, sender) == []
    assert sender.recipients() == ["a@gp.example", "b@gp.example"]
    assert all(message["From"] == FROM for message in sender.messages)


async def test_an_smtp_failure_propagates_and_the_retry_sends_what_was_not_sent(ledger, sender) -> None:
    event = closed()
    sender.failures = 1
    with pytest.raises(TransientDeliveryError):
        await notify(event, ledger, sender)
    assert await notify(event, ledger, sender) == ["a@gp.example", "b@gp.example"]
    assert await notify(event, ledger, sender) == []


async def test_a_claim_never_marked_sent_is_sent_again_with_the_same_message_id(ledger, sender) -> None:
    event = closed()
    await ledger.claim(event.event_id, EMAIL, "a@gp.example")  # a crash right after this claim
    assert await notify(event, ledger, sender) == ["a@gp.example", "b@gp.example"]
    ledger.sent[(event.event_id, EMAIL, "b@gp.example")] = False  # a crash between send and mark
    assert await notify(event, ledger, sender) == ["b@gp.example"]
    first, resent = sender.messages[1], sender.messages[2]
    assert resent["To"] == first["To"] and resent["Message-ID"] == first["Message-ID"]


async def test_an_unknown_originating_agency_raises_and_sends_nothing(ledger, sender) -> None:
    with pytest.raises(UnknownAgency):
        await notify(closed(source="gp-south"), ledger, sender)
    assert sender.messages == [] and ledger.sent == {}
