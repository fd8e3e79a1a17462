"""Rebuild the projection from `referral.changes.v1` alone: the topic is compacted and kept for good,
so it holds at least the latest state of every referral (the records compaction has not reached
yet too, which the version guard drops). Read from its start to its end as it is now, with no
consumer group, in bulk writes."""

from __future__ import annotations

from referral_contracts import topics
from referral_contracts.changes import ReferralChanged
from referral_contracts.codec import Rejected, decode
from service_kit.log_reading import Progress, read_to_end

from .service import project
from .store import ReferralProjection


async def rebuild(bootstrap_servers: str, projection: ReferralProjection, *, progress: Progress = lambda done, total: None,
                  security_kwargs: dict | None = None) -> dict[str, int]:
    """Project every readable record of the topic; returns counts (records, referrals, skipped:
    records that are no `referral.changed`, e.g. a tombstone)."""
    await projection.ensure_indexes()
    records = skipped = 0
    referrals: set = set()
    async for values in read_to_end(bootstrap_servers, [topics.REFERRAL_CHANGES], security_kwargs=security_kwargs,
                                    progress=progress):
        changes = [change for change in map(_change, values) if change is not None]
        records, skipped = records + len(values), skipped + len(values) - len(changes)
        referrals.update(change.referral_id for change in changes)
        await project(changes, projection=projection)  # one bulk write per fetch
    return {"records": records, "referrals": len(referrals), "skipped": skipped}


def _change(raw: bytes | None) -> ReferralChanged | None:
    if raw is None:
        return None
    try:
        return decode(ReferralChanged, raw)
    except Rejected:
        return None
