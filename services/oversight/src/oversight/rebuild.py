"""`referral-oversight-rebuild`: rebuild the projection and its read models (the roll-up cells, the
worklist, the breach log) from `referral.changes.v1` alone, with a progress bar: the same writer as
the service's, so the read models are built as the live ones were.

    referral-oversight-rebuild --database oversight_rebuilt

reads KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL (and the KAFKA_SASL_* settings) like the service.
Rebuild into a new database, compare, then point the service at it: never into the live one. The
quality reviews and the issue log are the partnership's own records, not a projection: they stay
where they are (copy them across when switching)."""

from __future__ import annotations

import sys

from referral_contracts.policy import load_policy
from service_kit.log_reading import Progress
from service_kit.rebuild_command import rebuild_main

from .bootstrap import bootstrap, connect
from .config import Settings
from .referrals.replay import rebuild


def main(argv: list[str] | None = None) -> int:
    settings = Settings()

    async def into(database: str, progress: Progress) -> dict[str, int]:
        mongo = connect(settings.mongodb_url)
        try:
            oversight = bootstrap(mongo[database], load_policy(settings.policy_path))
            return await rebuild(settings.kafka_bootstrap_servers, oversight.projection, progress=progress,
                                 security_kwargs=settings.aiokafka_login())
        finally:
            await mongo.close()

    return rebuild_main(argv, description="Rebuild oversight's projection and read models from referral.changes.v1.",
                        live_database=settings.mongodb_database, reading="reading referral.changes.v1",
                        not_wanted="states", rebuild=into)


if __name__ == "__main__":
    sys.exit(main())
