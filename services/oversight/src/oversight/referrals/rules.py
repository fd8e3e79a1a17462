"""Which state of a referral the projection keeps. Pure.

Tracking numbers each state by the events its fold applied (`version`): a higher version is newer.
Records of one referral arrive in order on its partition, but a replay, a redelivered batch or the
compacted topic read from the start may repeat or lag, so the newest version wins, wherever it comes
from, and an older or repeated one changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from referral_contracts.changes import ReferralChanged, ReferralState


def latest(changes: Iterable[ReferralChanged]) -> dict[UUID, ReferralState]:
    """Each referral's newest state among `changes`: the ones it overtook need not be written."""
    newest: dict[UUID, ReferralState] = {}
    for change in changes:
        kept = newest.get(change.referral_id)
        if kept is None or change.data.version > kept.version:
            newest[change.referral_id] = change.data
    return newest
