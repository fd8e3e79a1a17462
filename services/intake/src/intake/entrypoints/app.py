"""Wires intake: one process serving the HTTP API and consuming the inbound topics."""

from __future__ import annotations

from fastapi import FastAPI

from service_kit.app import service_app
from service_kit.auth import KeyRegistry
from service_kit.messaging import KafkaEventBus, new_broker

from ..config import Settings
from ..fhir.api import fhir_routes
from .http_api import http_routes
from .inbound_topics import register_inbound_subscribers


def create_app(settings: Settings) -> FastAPI:
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="intake", security=settings.kafka_security())
    bus = KafkaEventBus(broker, consumer_name="intake", stall_seconds=settings.consumer_stall_seconds)
    register_inbound_subscribers(broker, bus)
    keys = KeyRegistry.load(settings.api_keys_path)
    return service_app(title="Referral intake", broker=broker, routers=[http_routes(bus, keys), fhir_routes(bus, keys)],
                       consumers=bus.progress)
