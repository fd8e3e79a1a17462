"""The read side fed as it is in production, without the broker: what tracking's write path
published (a RecordingBus's `referral.changed` states and flags) handed to the oversight service's
own service layer in consumer-sized batches, in the order published."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from oversight.bootstrap import Oversight, bootstrap
from oversight.issues.service import note_repeated_crisis
from oversight.referrals.service import project
from referral_contracts import RepeatedCrisis
from referral_contracts.changes import ReferralChanged
from referral_contracts.policy import Policy

from recording_bus import RecordingBus

BATCH = 500  # a consumer batch (service_kit.consumer.BATCH_RECORDS)


async def fed(database: AsyncDatabase, policy: Policy, bus: RecordingBus) -> Oversight:
    """Oversight on `database`, with every state and repeated crisis `bus` saw projected."""
    oversight = bootstrap(database, policy)
    await oversight.ensure_indexes()
    changes = bus.of_type(ReferralChanged)
    for start in range(0, len(changes), BATCH):
        await project(changes[start:start + BATCH], projection=oversight.projection)
    for flag in bus.of_type(RepeatedCrisis):
        await note_repeated_crisis(flag, issues=oversight.issues)
    return oversight
