"""SMS through a provider's HTTP API (Twilio-shaped: form POST to .../Messages.json, basic auth).

A small port: the provider is a setting, and the local stack points it at devstack's SMS sink.
Each message carries an `Idempotency-Key` header derived from the delivery: a provider that honours
it (as the local sink does) sends a message resent after a crash only once; one that ignores it
may send it twice in that rare window (the ledger prevents every other repeat).
"""

from __future__ import annotations

from typing import Protocol

import httpx

from .delivery_errors import PermanentDeliveryError, TransientDeliveryError


class SmsSender(Protocol):
    async def send(self, *, to: str, body: str, idempotency_key: str) -> None: ...


class ProviderSmsSender:
    def __init__(self, base_url: str, *, account_sid: str, auth_token: str, sender: str, timeout: float = 10.0):
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = (account_sid, auth_token)
        self._sender = sender
        self._timeout = timeout

    async def send(self, *, to: str, body: str, idempotency_key: str) -> None:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(self._url, auth=self._auth,
                                             headers={"Idempotency-Key": idempotency_key},
                                             data={"To": to, "From": self._sender, "Body": body})
        except httpx.TransportError as error:
            raise TransientDeliveryError(f"provider unreachable: {type(error).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientDeliveryError(f"provider answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentDeliveryError(f"provider refused the message ({response.status_code})")
