"""The command line of a store rebuilt from the Kafka log (`referral-tracking-replay`,
`referral-oversight-rebuild`): into a new database only, never the live one, with a progress bar
and a closing count."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .log_reading import Progress as Heard

# Rebuild into `database`, telling progress; returns counts (records, referrals, skipped).
Rebuild = Callable[[str, Heard], Awaitable[dict[str, int]]]


def rebuild_main(argv: list[str] | None, *, description: str, live_database: str, reading: str,
                 not_wanted: str, rebuild: Rebuild) -> int:
    """Parse `--database`, refuse the live one (exit 2), rebuild with a progress bar titled
    `reading`, and say how many referrals came from how many records (`not_wanted`: what the
    skipped records were not, e.g. "events")."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", required=True, help="the database to rebuild into (a new one)")
    database = parser.parse_args(argv).database
    if database == live_database:
        print(f"refusing to rebuild into the live database {database!r}", file=sys.stderr)
        return 2
    console = Console(stderr=True)
    columns = (TextColumn(reading), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("rebuild", total=None)
        counts = asyncio.run(rebuild(database, lambda done, total: bar.update(task, completed=done, total=total)))
    console.print(f"rebuilt {counts['referrals']} referrals from {counts['records']} records "
                  f"({counts['skipped']} not {not_wanted}) into {database}")
    return 0
