"""Sending email: a port the service layer depends on, and the SMTP adapter behind it."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from .delivery_errors import PermanentDeliveryError, TransientDeliveryError


class EmailSender(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail system; raise a delivery error if it was not accepted."""
        ...


class SmtpEmailSender:
    """One SMTP connection per message: notices are rare, and a fresh connection never inherits
    a half-broken session. Envelope recipients are taken from the message's To header."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(message, hostname=self._host, port=self._port, timeout=self._timeout)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            raise PermanentDeliveryError(f"relay refused the recipient ({_codes(refused)})") from None
        except aiosmtplib.SMTPResponseException as error:
            # RFC 5321: 4xx is a temporary condition, 5xx a permanent one.
            kind = PermanentDeliveryError if 500 <= error.code < 600 else TransientDeliveryError
            raise kind(f"relay answered {error.code}") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise TransientDeliveryError(f"relay unreachable: {type(error).__name__}") from None


def _codes(refused: aiosmtplib.SMTPRecipientsRefused) -> str:
    return ", ".join(str(r.code) for r in refused.recipients) or "no code"
