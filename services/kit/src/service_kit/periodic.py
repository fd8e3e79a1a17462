"""Work a service does on a timer, beside its consumers (tracking's unknown-outcome sweep,
oversight's gauges): each loop on its own, so a slow one never holds up another."""

from __future__ import annotations

import asyncio
import contextlib
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


class BackgroundLoops:
    """The loops a service runs beside its consumers, started after its indexes exist and cancelled
    before its store closes: `start` and `stop` go in service_app's on_start and on_stop."""

    def __init__(self, *loops: Callable[[], Awaitable[object]]) -> None:
        self._loops = loops
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self._tasks.extend(asyncio.create_task(loop()) for loop in self._loops)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
