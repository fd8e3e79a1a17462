"""The process shape every service shares: a FastAPI app whose lifespan runs the Kafka broker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from faststream.kafka import KafkaBroker
from pydantic_settings import BaseSettings

from referral_contracts import clock

from .health import ReadinessCheck, health_routes
from .logs import configure_logging, log_context

Hook = Callable[[], Awaitable[None]]


class ServiceSettings(BaseSettings):
    """Read from the environment: KAFKA_BOOTSTRAP_SERVERS, HTTP_HOST, HTTP_PORT, LOG_LEVEL,
    API_KEYS_PATH and CLOCK_OFFSET_FILE (tests and demos only: shift this process's clock, see referral_contracts.clock)."""

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    clock_offset_file: str = ""
    api_keys_path: str = ""  # the agencies' API keys, as argon2 hashes (service_kit.auth); empty: none


def service_app(
    *,
    title: str,
    broker: KafkaBroker,
    routers: Sequence[APIRouter] = (),
    on_start: Sequence[Hook] = (),
    on_stop: Sequence[Hook] = (),
    readiness: dict[str, ReadinessCheck] | None = None,
) -> FastAPI:
    """Start hooks run before the broker starts consuming; stop hooks after it stopped."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for hook in on_start:
            await hook()
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()
            for hook in on_stop:
                await hook()

    app = FastAPI(title=title, version="1.0.0", lifespan=lifespan)
    app.state.broker = broker

    @app.middleware("http")
    async def correlated(request: Request, call_next):  # noqa: ANN001, ANN202 - Starlette's signature
        with log_context(correlation_id=request.headers.get("x-correlation-id"), path=request.url.path):
            return await call_next(request)

    for router in routers:
        app.include_router(router)
    app.include_router(health_routes(broker, **(readiness or {})))
    return app


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    if settings.clock_offset_file:
        clock.follow_offset_file(settings.clock_offset_file)
    configure_logging(settings.log_level)
    # aiokafka narrates every rebalance at INFO; its warnings and errors still show.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, logging.getLogger().level))
    # log_config=None: uvicorn keeps its hands off logging, so its warnings are JSON lines too.
    logging.getLogger("uvicorn").setLevel(max(logging.WARNING, logging.getLogger().level))
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False)
