"""SMS through a provider's HTTP API (Twilio-shaped: form POST to .../Messages.json, basic auth).

A small port: the provider is a setting, and the local stack points it at devstack's SMS sink.
"""

from __future__ import annotations

from typing import Protocol

import httpx


class TransientDeliveryError(Exception):
    """Worth retrying: the provider is down, slow or overloaded."""


class PermanentDeliveryError(Exception):
    """Retrying cannot help: the provider refused the message (bad number, bad credentials)."""


class SmsSender(Protocol):
    async def send(self, *, to: str, body: str) -> None: ...


class ProviderSmsSender:
    def __init__(self, base_url: str, *, account_sid: str, auth_token: str, sender: str, timeout: float = 10.0):
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = (account_sid, auth_token)
        self._sender = sender
        self._timeout = timeout

    async def send(self, *, to: str, body: str) -> None:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(self._url, auth=self._auth,
                                             data={"To": to, "From": self._sender, "Body": body})
        except httpx.TransportError as error:
            raise TransientDeliveryError(f"provider unreachable: {type(error).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientDeliveryError(f"provider answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentDeliveryError(f"provider refused the message ({response.status_code})")
