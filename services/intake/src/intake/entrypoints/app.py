"""Wires intake: one process serving the HTTP API (JSON and FHIR) and consuming the inbound topics,
around what bootstrap.py builds."""

from __future__ import annotations

from fastapi import FastAPI

from service_kit.app import service_app
from service_kit.messaging import KafkaEventBus, new_broker

from ..bootstrap import bootstrap
from ..config import Settings
from ..fhir.api import fhir_routes
from .http_api import http_routes
from .inbound_topics import register_inbound_subscribers


def create_app(settings: Settings) -> FastAPI:
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="intake", security=settings.kafka_security())
    bus = KafkaEventBus(broker, consumer_name="intake", stall_seconds=settings.consumer_stall_seconds)
    intake = bootstrap(settings, bus=bus)
    register_inbound_subscribers(broker, intake.bus)
    return service_app(title="Referral intake", broker=broker,
                       routers=[http_routes(intake.bus, intake.keys), fhir_routes(intake.bus, intake.keys)],
                       consumers=bus.progress)
