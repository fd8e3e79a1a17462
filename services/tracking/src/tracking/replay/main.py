"""`referral-tracking-replay`: rebuild tracking's store from the Kafka log, with a progress bar.

    referral-tracking-replay --database tracking_rebuilt

reads KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL (and the KAFKA_SASL_* settings) like the service.
Rebuild into a new database, compare, then point the service at it: never into the live one."""

from __future__ import annotations

import sys

from referral_contracts.policy import load_policy
from service_kit.log_reading import Progress
from service_kit.rebuild_command import rebuild_main

from tracking.bootstrap import rebuilding
from tracking.config import Settings
from tracking.lifecycle.mongo import connect
from tracking.replay.rebuild import replay


def main(argv: list[str] | None = None) -> int:
    settings = Settings()

    async def into(database: str, progress: Progress) -> dict[str, int]:
        mongo = connect(settings.mongodb_url)
        try:
            tracking = rebuilding(mongo[database], policy=load_policy(settings.policy_path))
            return await replay(settings.kafka_bootstrap_servers, tracking, progress=progress,
                                security_kwargs=settings.aiokafka_login())
        finally:
            await mongo.close()

    return rebuild_main(argv, description="Rebuild tracking's store from the Kafka log.",
                        live_database=settings.mongodb_database, reading="replaying the log",
                        not_wanted="events", rebuild=into)


if __name__ == "__main__":
    sys.exit(main())
