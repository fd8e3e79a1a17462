"""What time it is for the platform: the system clock, which a test or demo run may shift.

A run that sets CLOCK_OFFSET_FILE (see service_kit) makes every service add the number of seconds
that file holds. End-to-end tests move the whole platform to "the morning after the deadline" by
writing that file, instead of sleeping through a real deadline; the demo does the same to show a
week of escalations in minutes. A production deployment never sets it.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path


class _ShiftedClock:
    """Reads the offset file again only when it changed (one stat per reading of the time)."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self._seen: int | None = None
        self._offset = timedelta(0)

    def offset(self) -> timedelta:
        if self.path is None:
            return timedelta(0)
        try:
            changed = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return timedelta(0)
        if changed != self._seen:
            text = self.path.read_text(encoding="ascii").strip()
            self._offset = timedelta(seconds=float(text or 0))
            self._seen = changed
        return self._offset


_clock = _ShiftedClock()


def follow_offset_file(path: str | os.PathLike[str] | None) -> None:
    """Shift this process's clock by the seconds in `path` from now on (None: the system clock)."""
    _clock.path = Path(path) if path else None
    _clock._seen = None


def write_offset_file(path: str | os.PathLike[str], offset: timedelta) -> None:
    """Set the shift every process following `path` sees; written whole, so no reader sees half."""
    path = Path(path)
    partial = path.with_suffix(".partial")
    partial.write_text(f"{offset.total_seconds():.3f}\n", encoding="ascii")
    partial.replace(path)


def now() -> datetime:
    return datetime.now(timezone.utc) + _clock.offset()
