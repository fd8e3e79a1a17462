"""`referral-tracking-retime`: work out every referral's next escalation time again (retime.py),
after a new version of tracking or an edit of the policy changed when clocks run or rungs fall due.

    referral-tracking-retime

reads MONGODB_URL, MONGODB_DATABASE and POLICY_PATH like the service, and prints what it changed.
Safe beside running replicas: each time is stored only while the view it was worked out from is."""

from __future__ import annotations

import asyncio
import sys

from pymongo.errors import PyMongoError

from referral_contracts.configuration import ConfigurationProblem
from referral_contracts.policy import load_policy

from tracking.bootstrap import rebuilding
from tracking.config import Settings
from tracking.deadlines.retime import retime
from tracking.lifecycle.mongo import connect


async def _run(settings: Settings) -> int:
    try:
        policy = load_policy(settings.policy_path)
    except (ConfigurationProblem, OSError) as unusable:  # every problem named, no traceback
        print(f"cannot retime: {unusable}", file=sys.stderr)
        return 2
    mongo = connect(settings.mongodb_url)
    try:
        tracking = rebuilding(mongo[settings.mongodb_database], policy=policy)
        done = await retime(tracking, progress=lambda looked, changed: print(
            f"  {looked:,} looked at, {changed:,} changed", file=sys.stderr))
    except PyMongoError as failed:  # nothing half-done matters: a second run finishes the job
        print(f"cannot retime: the store at MONGODB_URL answered: {failed}", file=sys.stderr)
        return 1
    finally:
        await mongo.close()
    print(f"{done.looked_at:,} referrals looked at in {settings.mongodb_database}; "
          f"{done.changed:,} next escalation times changed (policy {settings.policy_path})")
    return 0


def main(argv: list[str] | None = None) -> int:
    if sys.argv[1:] if argv is None else argv:
        print("referral-tracking-retime takes no arguments: it reads MONGODB_URL, MONGODB_DATABASE and POLICY_PATH",
              file=sys.stderr)
        return 2
    return asyncio.run(_run(Settings()))


if __name__ == "__main__":
    sys.exit(main())
