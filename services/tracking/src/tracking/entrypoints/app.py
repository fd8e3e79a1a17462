"""Wires tracking: Kafka subscriptions, the MongoDB store and the HTTP read API in one process."""

from __future__ import annotations

from fastapi import FastAPI

from service_kit.app import service_app
from service_kit.messaging import KafkaEventBus, new_broker

from ..adapters.referral_store import MongoReferralStore, connect
from ..config import Settings
from .event_topics import register_event_subscribers
from .http_api import http_routes


def create_app(settings: Settings) -> FastAPI:
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="tracking")
    bus = KafkaEventBus(broker, consumer_name="tracking")
    mongo = connect(settings.mongodb_url)
    store = MongoReferralStore(mongo[settings.mongodb_database])
    register_event_subscribers(broker, bus, store)

    async def mongo_answers() -> bool:
        return bool((await mongo.admin.command("ping")).get("ok"))

    return service_app(
        title="Referral tracking",
        broker=broker,
        routers=[http_routes(store)],
        on_start=[store.ensure_indexes],
        on_stop=[mongo.close],
        readiness={"mongodb": mongo_answers},
    )
