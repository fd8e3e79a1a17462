"""`referral-oversight-rebuild`: rebuild the projection and its read models (the roll-up cells, the
worklist, the breach log) from `referral.changes.v1` alone, with a progress bar: the same writer as
the service's, so the read models are built as the live ones were.

    referral-oversight-rebuild --database oversight_rebuilt

reads KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL (and the KAFKA_SASL_* settings) like the service.
Rebuild into a new database, compare, then point the service at it: never into the live one. The
quality reviews and the issue log are the partnership's own records, not a projection: they stay
where they are (copy them across when switching)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from referral_contracts.policy import load_policy

from .bootstrap import bootstrap, connect
from .config import Settings
from .referrals.replay import rebuild


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild oversight's projection and read models from referral.changes.v1.")
    parser.add_argument("--database", required=True, help="the database to rebuild into (a new one)")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.database == settings.mongodb_database:
        print(f"refusing to rebuild into the live database {args.database!r}", file=sys.stderr)
        return 2
    return asyncio.run(_rebuild(settings, args.database))


async def _rebuild(settings: Settings, database: str) -> int:
    mongo = connect(settings.mongodb_url)
    oversight = bootstrap(mongo[database], load_policy(settings.policy_path))
    console = Console(stderr=True)
    columns = (TextColumn("reading referral.changes.v1"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("rebuild", total=None)
            counts = await rebuild(settings.kafka_bootstrap_servers, oversight.projection,
                                   progress=lambda done, total: bar.update(task, completed=done, total=total),
                                   security_kwargs=settings.aiokafka_login())
    finally:
        await mongo.close()
    console.print(f"rebuilt {counts['referrals']} referrals from {counts['records']} records "
                  f"({counts['skipped']} not states) into {database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
