"""Keeping the projection: each batch of `referral.changed` written in one bulk write."""

from __future__ import annotations

from referral_contracts.changes import ReferralChanged

from .rules import latest
from .store import ReferralProjection


async def project(changes: list[ReferralChanged], *, projection: ReferralProjection) -> int:
    """Keep the newest state of each referral `changes` names; returns how many referrals they name.
    Idempotent: an older or repeated state changes nothing."""
    newest = latest(changes)
    await projection.keep(newest)
    return len(newest)
