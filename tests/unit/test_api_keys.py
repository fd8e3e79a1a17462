"""Agencies' API keys (service_kit.auth): argon2 once per key and process, remembered for the key's
lifetime by its SHA-256 (never the key), verified off the event loop."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from referral_contracts import utc_now
from service_kit.auth import KeyRegistry, Unauthenticated, new_key


def test_a_verified_key_is_remembered_until_it_expires_and_never_by_its_secret() -> None:
    key, entry = new_key("gp-north", expires_at=utc_now() + timedelta(days=30))
    registry = KeyRegistry([entry])
    assert registry.remembered(key) is None  # not verified yet: argon2 is owed
    principal = registry.authenticate(key)
    assert principal.agency_id == "gp-north"
    assert registry.remembered(key, utc_now() + timedelta(days=29)) == principal  # a month on, no argon2
    with pytest.raises(Unauthenticated):
        registry.remembered(key, utc_now() + timedelta(days=31))  # expired: refused, remembered or not
    assert all(key not in repr(v) and key.encode() not in k for k, v in registry._verified.items())


def test_a_wrong_secret_for_a_known_key_id_is_refused_and_not_remembered() -> None:
    key, entry = new_key("gp-north")
    registry = KeyRegistry([entry])
    forged = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    with pytest.raises(Unauthenticated):
        registry.authenticate(forged)
    assert registry.remembered(forged) is None and registry.remembered(key) is None


async def test_verifying_a_new_key_leaves_the_event_loop_serving() -> None:
    key, entry = new_key("gp-north")
    registry = KeyRegistry([entry])
    ticks: list[float] = []
    done: list[float] = []

    async def verify() -> None:
        await registry.verified(key)
        done.append(time.perf_counter())

    async def tick() -> None:
        while not done:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0)

    await asyncio.gather(verify(), tick())
    # Verified on the loop, argon2 would have run before the other task's first turn.
    assert len([t for t in ticks if t < done[0]]) >= 2, "the loop stood still while argon2 ran"
    assert registry.remembered(key) is not None
