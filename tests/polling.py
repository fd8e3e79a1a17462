"""Waiting for asynchronous services without timing them: poll until true, or fail saying what."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


def eventually(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll until `check` returns something truthy; the services work asynchronously."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def referral_in(tracking: str, referral_id: str, state: str, headers: dict[str, str]) -> Callable[[], dict | None]:
    """`headers` authenticate an agency that may read the referral."""

    def check() -> dict | None:
        response = httpx.get(f"{tracking}/v1/referrals/{referral_id}", headers=headers)
        return response.json() if response.status_code == 200 and response.json()["state"] == state else None

    return check
