"""In-memory stand-ins for the notifier's ledger and mail relay (unit tests only: the
integration test runs the real MongoDB ledger against a real SMTP sink)."""

from __future__ import annotations

from email.message import EmailMessage
from uuid import UUID

import pytest

from devstack.paths import demo_file
from notifier.adapters.delivery_errors import TransientDeliveryError
from notifier.service_layer.deliveries import Channels, Retry
from referral_contracts.directory import Directory

from factories import agency_payload, directory
from recording_bus import RecordingBus


class InMemoryLedger:
    """Same contract as MongoDeliveryLedger: a claim not yet marked sent may be claimed again."""

    def __init__(self) -> None:
        self.sent: dict[tuple[UUID, str, str], bool] = {}

    async def claim(self, event_id: UUID, channel: str, recipient: str) -> bool:
        key = (event_id, channel, recipient)
        if self.sent.get(key):
            return False
        self.sent[key] = False
        return True

    async def mark_sent(self, event_id: UUID, channel: str, recipient: str) -> None:
        self.sent[(event_id, channel, recipient)] = True


class RecordingSender:
    """Keeps every message; fails the next `failures` sends, as an SMTP relay that is down would."""

    def __init__(self, failures: int = 0) -> None:
        self.messages: list[EmailMessage] = []
        self.failures = failures

    async def send(self, message: EmailMessage) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientDeliveryError("the SMTP relay is down")
        self.messages.append(message)

    def recipients(self) -> list[str]:
        return [message["To"] for message in self.messages]


def gp_north_directory() -> Directory:
    """The demo directory when it is there; otherwise the two agencies these tests need."""
    path = demo_file("hsds")
    if path.exists():
        return Directory.load(path)
    return directory(
        agency_payload("gp-north", name="North Street Medical Practice", leads=[
            {"role": "referral_contact", "name": "Practice referrals team", "email": "referrals@gp-north.example"},
            {"role": "operational", "name": "Helen Marsh", "email": "helen.marsh@gp-north.example"},
        ]),
        agency_payload("cmh-east", name="East Community Mental Health Team"),
    )


@pytest.fixture
def demo_directory() -> Directory:
    return gp_north_directory()


@pytest.fixture
def ledger() -> InMemoryLedger:
    return InMemoryLedger()


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


class FlakySms:
    """An SMS provider that fails with each of `failures` in turn, then takes every message."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.failures, self.sent = list(failures or []), []

    async def send(self, *, to: str, body: str, idempotency_key: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, body))


@pytest.fixture
def sms() -> FlakySms:
    return FlakySms()


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def channels(demo_directory, ledger, sender, sms, bus) -> Channels:
    """The notifier's channels, with no waiting between retries."""
    return Channels(directory=demo_directory, ledger=ledger, email=sender,
                    from_address="closed-loop-referrals@platform.example", bus=bus, sms=sms, retry=Retry(3, 0))
