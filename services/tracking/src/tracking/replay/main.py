"""`referral-tracking-replay`: rebuild tracking's store from the Kafka log, with a progress bar.

    referral-tracking-replay --database tracking_rebuilt

reads KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL (and the KAFKA_SASL_* settings) like the service.
Rebuild into a new database, compare, then point the service at it: never into the live one."""

from __future__ import annotations

import argparse
import asyncio
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from referral_contracts.policy import load_policy

from tracking.bootstrap import rebuilding
from tracking.config import Settings
from tracking.lifecycle.mongo import connect
from tracking.replay.rebuild import replay


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild tracking's store from the Kafka log.")
    parser.add_argument("--database", required=True, help="the database to rebuild into (a new one)")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.database == settings.mongodb_database:
        print(f"refusing to rebuild into the live database {args.database!r}", file=sys.stderr)
        return 2
    return asyncio.run(_rebuild(settings, args.database))


async def _rebuild(settings: Settings, database: str) -> int:
    policy = load_policy(settings.policy_path)
    mongo = connect(settings.mongodb_url)
    tracking = rebuilding(mongo[database], policy=policy)
    console = Console(stderr=True)
    columns = (TextColumn("replaying the log"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("replay", total=None)
            counts = await replay(settings.kafka_bootstrap_servers, tracking,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total),
                                  security_kwargs=settings.aiokafka_login())
    finally:
        await mongo.close()
    console.print(f"rebuilt {counts['referrals']} referrals from {counts['records']} records "
                  f"({counts['skipped']} not events) into {database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
