"""A milestone tracking recorded itself is not applied again by its own subscription
(tracking.lifecycle.applied_here): it waits for the recording to end, then drops it only if it was
applied in full."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from tracking.lifecycle.applied_here import AppliedHere


async def test_the_subscription_waits_for_the_recording_and_drops_what_it_applied_in_full() -> None:
    here, recorded, failed = AppliedHere(), uuid4(), uuid4()
    for event_id in (recorded, failed):
        here.applying(event_id)

    async def record() -> None:
        await asyncio.sleep(0.01)
        here.applied(recorded)
        here.ended(recorded)
        here.ended(failed)  # its apply failed: never marked applied

    recording = asyncio.create_task(record())
    await here.settled([recorded, failed, uuid4()], timeout=5)
    await recording
    assert recorded in here and failed not in here  # the failed one is left to the subscription


async def test_waiting_for_a_recording_that_never_ends_gives_up_after_the_timeout() -> None:
    here, stuck = AppliedHere(), uuid4()
    here.applying(stuck)
    await here.settled([stuck], timeout=0.01)
    assert stuck not in here


def test_it_remembers_a_bounded_number_the_oldest_forgotten_first() -> None:
    here, ids = AppliedHere(kept=3), [uuid4() for _ in range(4)]
    for event_id in ids:
        here.applied(event_id)
    assert [event_id in here for event_id in ids] == [False, True, True, True]
