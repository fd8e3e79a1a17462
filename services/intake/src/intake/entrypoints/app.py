"""Wires intake: one process serving the HTTP API and consuming the inbound topics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from referral_contracts.kafka import KafkaEventBus, new_broker

from ..config import Settings
from .health import health_routes
from .http_api import http_routes
from .inbound_topics import register_inbound_subscribers


def create_app(settings: Settings) -> FastAPI:
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="intake")
    bus = KafkaEventBus(broker, consumer_name="intake")
    register_inbound_subscribers(broker, bus)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()

    app = FastAPI(title="Referral intake", version="1.0.0", lifespan=lifespan)
    app.state.broker = broker
    app.include_router(http_routes(bus))
    app.include_router(health_routes(broker))
    return app
