"""Wires oversight: the two subscriptions (the projection of `referral.changes.v1`, repeated crises
from `referral.flags.v1`), the HTTP API of each concept and the gauges' refresh."""

from __future__ import annotations


from fastapi import FastAPI
from pymongo.errors import PyMongoError

from referral_contracts import utc_now
from referral_contracts.policy import load_policy
from service_kit.app import service_app
from service_kit.auth import KeyRegistry
from service_kit.messaging import KafkaEventBus, new_broker
from service_kit.periodic import BackgroundLoops, every

from .bootstrap import bootstrap, connect
from .config import GROUP, Settings
from .dashboard.api import dashboard_routes
from .figures.api import figures_routes
from .figures.metrics import refresh
from .issues.api import issue_routes
from .issues.events import register_flags
from .quality.api import quality_routes
from .referrals.api import referral_routes
from .referrals.events import register_projection


def create_app(settings: Settings) -> FastAPI:
    broker = new_broker(settings.kafka_bootstrap_servers, client_id=GROUP, security=settings.kafka_security())
    # The store's errors are worth waiting out: a state is never dead-lettered because the store was down.
    bus = KafkaEventBus(broker, consumer_name=GROUP, transient=(PyMongoError,),
                        stall_seconds=settings.consumer_stall_seconds)
    mongo = connect(settings.mongodb_url)
    keys = KeyRegistry.load(settings.api_keys_path)
    oversight = bootstrap(mongo[settings.mongodb_database], load_policy(settings.policy_path))
    register_projection(broker, bus, oversight.projection)
    register_flags(broker, bus, oversight.issues)
    gauges = BackgroundLoops(lambda: every(settings.metrics_seconds, "metrics refresh",
                                           lambda: refresh(oversight.figures, utc_now())))

    async def mongo_answers() -> bool:
        return bool((await mongo.admin.command("ping")).get("ok"))

    return service_app(
        title="Referral oversight",
        broker=broker,
        routers=[figures_routes(oversight.figures, keys), referral_routes(oversight.projection, keys),
                 quality_routes(oversight.quality, oversight.policy, keys), issue_routes(oversight.issues, keys),
                 dashboard_routes(oversight.policy.calendar.timezone)],
        on_start=[oversight.ensure_indexes, gauges.start],
        on_stop=[gauges.stop, mongo.close],
        readiness={"mongodb": mongo_answers},
        consumers=bus.progress,
    )
