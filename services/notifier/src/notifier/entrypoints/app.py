"""Wires the notifier: Kafka, the store and the subscriptions around the Channels bootstrap.py
builds."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo.errors import PyMongoError

from service_kit.app import service_app
from service_kit.messaging import KafkaEventBus, new_broker

from ..adapters.delivery_errors import TransientDeliveryError
from ..adapters.delivery_ledger import connect
from ..bootstrap import bootstrap
from ..config import Settings
from .event_topics import register_subscribers


def create_app(settings: Settings) -> FastAPI:
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="notifier", security=settings.kafka_security())
    # The ledger's store and a relay that stays down are worth waiting out, never a dead letter.
    bus = KafkaEventBus(broker, consumer_name="notifier", transient=(PyMongoError, TransientDeliveryError),
                        stall_seconds=settings.consumer_stall_seconds)
    mongo = connect(settings.mongodb_url)
    register_subscribers(broker, bus, bootstrap(settings, database=mongo[settings.mongodb_database], bus=bus))

    async def mongo_answers() -> bool:
        return bool((await mongo.admin.command("ping")).get("ok"))

    return service_app(
        title="Referral notifier",
        broker=broker,
        on_stop=[mongo.close],
        readiness={"mongodb": mongo_answers},
        consumers=bus.progress,
    )
