"""The platform clock a test or demo drives: every service started with CLOCK_OFFSET_FILE pointing
at the same file sees the same shifted time (referral_contracts.clock), so a test moves the whole
platform to "the morning after the deadline" instead of sleeping through it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from referral_contracts.clock import write_offset_file


class PlatformClock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = timedelta(0)
        write_offset_file(path, self._offset)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self._offset

    def advance_to(self, moment: datetime) -> datetime:
        """Move the platform to `moment`; only forwards, as time goes. Returns the new time."""
        if moment < self.now():
            raise ValueError(f"the platform clock only moves forward: {moment} is before {self.now()}")
        self._offset = moment - datetime.now(timezone.utc)
        write_offset_file(self.path, self._offset)
        return moment

    def advance(self, by: timedelta) -> datetime:
        return self.advance_to(self.now() + by)
