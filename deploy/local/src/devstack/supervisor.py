"""`devstack run` keeps its processes running: one that dies is started again, on the same port with
the same environment and data, after a wait that doubles while it keeps dying (1 s, 2 s, 4 s … up
to 30 s; back to 1 s once it has stayed up a minute). The rest keep running meanwhile, and every
exit and restart is said on the terminal and written to `supervisor.log` in the run's directory.

`devstack restart <part>` asks for a restart through the run's control folder (`control.py`); the
supervisor stops the part gracefully (SIGTERM) and starts it again at once. The state of every part
is written to `stack.json` after each change, which `devstack status` reads.

No clock is read but `now` passed in, so the waits are unit-tested without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .processes import ManagedProcess

FIRST_WAIT, LONGEST_WAIT, STEADY_AFTER = 1.0, 30.0, 60.0


@dataclass
class Part:
    """A process of the stack and how to tell it is ready to serve."""

    name: str
    process: ManagedProcess
    ready: Callable[[], bool]
    url: str | None = None
    state: str = "up"  # up | starting | waiting (to be restarted) | stopped (asked, being restarted)
    restarts: int = 0
    deaths_in_a_row: int = 0
    since: float = 0.0  # when the current state began
    restart_at: float | None = None
    last_exit: int | None = None

    def is_ready(self) -> bool:
        try:
            return bool(self.ready())
        except Exception:  # noqa: BLE001 - anything but a clean answer means "not yet"
            return False

    def summary(self) -> dict:
        return {"state": self.state, "pid": self.process.pid, "url": self.url, "restarts": self.restarts,
                "last_exit_code": self.last_exit, "log": str(self.process.log_path)}


def wait_before_restart(deaths_in_a_row: int) -> float:
    """1 s after the first death, doubling for each further one in a row, at most 30 s."""
    return min(LONGEST_WAIT, FIRST_WAIT * 2 ** max(0, deaths_in_a_row - 1))


class Supervisor:
    def __init__(self, parts: list[Part], log_path: Path, *, say: Callable[[str], None] = print,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.parts = {part.name: part for part in parts}
        self.log_path = log_path
        self._say, self._now = say, now
        for part in parts:
            part.since = now()

    def tick(self, restart_requests: list[str] = ()) -> bool:
        """Look at every part once; True when any state changed (stack.json is then written again)."""
        now, changed = self._now(), False
        for name in restart_requests:
            changed |= self._restart_on_request(name, now)
        for part in self.parts.values():
            changed |= self._look_at(part, now)
        return changed

    def _look_at(self, part: Part, now: float) -> bool:
        if part.state in ("up", "starting") and not part.process.is_running():
            up_for = now - part.since
            part.deaths_in_a_row = 1 if part.state == "up" and up_for >= STEADY_AFTER else part.deaths_in_a_row + 1
            wait = wait_before_restart(part.deaths_in_a_row)
            part.last_exit, part.state, part.since, part.restart_at = part.process.returncode, "waiting", now, now + wait
            self._log(f"{part.name} exited with code {part.last_exit} after {up_for:.0f} s "
                      f"{'up' if up_for >= 1 else 'starting'}; restarting it in {wait:.0f} s "
                      f"(death {part.deaths_in_a_row} in a row); last lines of {part.process.log_path}:\n"
                      f"{part.process.log_tail(8)}")
            return True
        if part.state == "waiting" and part.restart_at is not None and now >= part.restart_at:
            self._start(part, now)
            return True
        if part.state == "starting" and part.process.is_running() and part.is_ready():
            part.state, took = "up", now - part.since
            part.since = now
            self._log(f"{part.name} is back (pid {part.process.pid}, ready {took:.1f} s after its restart; "
                      f"restart {part.restarts} of this run)")
            return True
        return False

    def _restart_on_request(self, name: str, now: float) -> bool:
        part = self.parts.get(name)
        if part is None:
            self._log(f"restart of {name!r} asked: no such part (known: {', '.join(self.parts)})")
            return False
        self._log(f"{name}: restart asked (devstack restart); stopping it (pid {part.process.pid})")
        part.state = "stopped"
        part.process.stop()
        part.deaths_in_a_row = 0
        self._start(part, now)
        return True

    def _start(self, part: Part, now: float) -> None:
        part.process.start()
        part.restarts += 1
        part.state, part.since, part.restart_at = "starting", now, None
        self._log(f"{part.name} started again (pid {part.process.pid})")

    def _log(self, line: str) -> None:
        self._say(f"devstack: {line}")
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"{stamp} {line}\n")

    def summary(self) -> dict[str, dict]:
        return {name: part.summary() for name, part in self.parts.items()}
