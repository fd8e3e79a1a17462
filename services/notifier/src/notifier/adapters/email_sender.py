"""Sending email: a port the service layer depends on, and the SMTP adapter behind it."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

import aiosmtplib


class EmailSender(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail system; raise if it was not accepted."""
        ...


class SmtpEmailSender:
    """One SMTP connection per message: notices are rare, and a fresh connection never inherits
    a half-broken session. Envelope recipients are taken from the message's To header."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        # aiosmtplib raises SMTPException (or OSError) for anything but acceptance; the caller lets
        # it propagate so the Kafka record is retried.
        await aiosmtplib.send(message, hostname=self._host, port=self._port, timeout=self._timeout)
