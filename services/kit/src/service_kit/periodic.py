"""Work a service does on a timer, beside its consumers (tracking's unknown-outcome sweep,
oversight's gauges): each loop on its own, so a slow one never holds up another."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(seconds: float, what: str, work: Callable[[], Awaitable[object]]) -> None:
    """Run `work` every `seconds`, forever; a failure is logged and retried next time."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await work()
        except Exception:
            log.exception("%s failed", what)
