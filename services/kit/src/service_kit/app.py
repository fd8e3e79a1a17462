"""The process shape every service shares: a FastAPI app whose lifespan runs the Kafka broker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar
from contextlib import asynccontextmanager

import uvicorn
from fastapi import APIRouter, FastAPI, Response
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic_settings import BaseSettings
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from referral_contracts import clock
from referral_contracts.configuration import ConfigurationProblem

from .health import ReadinessCheck, health_routes
from .logs import configure_logging, log_context
from .progress import ConsumerProgress
from .store_commands import count_store_commands
from .tracing import configure_tracing, span

Hook = Callable[[], Awaitable[None]]
S = TypeVar("S", bound="ServiceSettings")


class ServiceSettings(BaseSettings):
    """Read from the environment: KAFKA_BOOTSTRAP_SERVERS, KAFKA_SASL_MECHANISM,
    KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_USE_TLS, HTTP_HOST, HTTP_PORT, LOG_LEVEL,
    API_KEYS_PATH, CONSUMER_STALL_SECONDS, STORE_COMMAND_COUNTS (benchmarks: count store commands) and CLOCK_OFFSET_FILE (tests and demos only: shift this process's clock, see referral_contracts.clock)."""

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    clock_offset_file: str = ""
    otel_traces_exporter: str = "none"  # none | console | otlp (then OTEL_EXPORTER_OTLP_ENDPOINT)
    api_keys_path: str = ""  # the agencies' API keys, as argon2 hashes (service_kit.auth); empty: none
    # Kafka authentication: empty mechanism = none (a local broker). The password only from the
    # environment. TLS on when KAFKA_USE_TLS is true (SASL_SSL), with the system's CA bundle.
    kafka_sasl_mechanism: str = ""  # PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = ""
    kafka_use_tls: bool = False
    # A consumer with records waiting and none handled for this long is stalled: /ready fails
    # naming the partition (service_kit.progress).
    consumer_stall_seconds: float = 60.0
    # STORE_COMMAND_COUNTS=1: count what the service asks of its store on /metrics (service_kit.store_commands).
    store_command_counts: bool = False

    def kafka_security(self) -> BaseSecurity | None:
        """FastStream's security for the broker, from the settings (None: plaintext, no SASL)."""
        tls = ssl.create_default_context() if self.kafka_use_tls else None
        if not self.kafka_sasl_mechanism:
            return BaseSecurity(ssl_context=tls, use_ssl=True) if tls else None
        kinds = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}
        if self.kafka_sasl_mechanism not in kinds:
            raise ValueError(f"KAFKA_SASL_MECHANISM: one of {', '.join(kinds)}, not {self.kafka_sasl_mechanism!r}")
        return kinds[self.kafka_sasl_mechanism](self.kafka_sasl_username, self.kafka_sasl_password,
                                                ssl_context=tls, use_ssl=self.kafka_use_tls)

    def aiokafka_login(self) -> dict:
        """The same login as aiokafka's keyword arguments, for tools that read a topic outside a
        consumer group (tracking's replay, oversight's rebuild)."""
        if not self.kafka_sasl_mechanism:
            return {}
        return {"security_protocol": "SASL_SSL" if self.kafka_use_tls else "SASL_PLAINTEXT",
                "sasl_mechanism": self.kafka_sasl_mechanism, "sasl_plain_username": self.kafka_sasl_username,
                "sasl_plain_password": self.kafka_sasl_password,
                "ssl_context": ssl.create_default_context() if self.kafka_use_tls else None}


def service_app(
    *,
    title: str,
    broker: KafkaBroker,
    routers: Sequence[APIRouter] = (),
    on_start: Sequence[Hook] = (),
    on_stop: Sequence[Hook] = (),
    readiness: dict[str, ReadinessCheck] | None = None,
    consumers: ConsumerProgress | None = None,
) -> FastAPI:
    """Start hooks run before the broker starts consuming; stop hooks after it stopped.
    `consumers` (the bus's progress) is watched while the app runs and reported by /ready."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for hook in on_start:
            await hook()
        await broker.start()
        watchdog = asyncio.create_task(consumers.run_forever()) if consumers is not None else None
        try:
            yield
        finally:
            if watchdog is not None:
                watchdog.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watchdog
            await broker.stop()
            for hook in on_stop:
                await hook()

    app = FastAPI(title=title, version="1.0.0", lifespan=lifespan)
    app.state.broker = broker

    app.add_middleware(Correlated, service=title)

    for router in routers:
        app.include_router(router)
    app.include_router(health_routes(broker, consumers, **(readiness or {})))

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus text format: service_kit.metrics and each service's own; what this replica
        owns in its consumer groups is read at each scrape, so a rebalance shows at once."""
        if consumers is not None:
            consumers.owned()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


class Correlated:
    """Each HTTP request in its log context (correlation id, path) and its span. Plain ASGI, not
    Starlette's `@app.middleware("http")`: that one runs every request through a task group and
    a pair of memory streams, CPU that intake's `POST /v1/referrals` paid per referral (issue 16)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers, path = Headers(scope=scope), scope["path"]
        with log_context(correlation_id=headers.get("x-correlation-id"), path=path), \
                span(f"{scope['method']} {path}", parent_headers=headers, service=self.service):
            await self.app(scope, receive, send)


def start(create_app: Callable[[S], FastAPI], settings: S) -> None:
    """Build the service from its settings and serve it. A configuration file it cannot use (the
    policy, the directory) stops it with exit status 2 and every problem named on stderr, one per
    line: an operator reads what to fix, not a traceback."""
    if settings.store_command_counts:  # before the service builds its client, so the client is watched
        count_store_commands()
    try:
        app = create_app(settings)
    except (ConfigurationProblem, FileNotFoundError) as unusable:
        print(f"cannot start: {unusable}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    serve(app, settings)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    if settings.clock_offset_file:
        clock.follow_offset_file(settings.clock_offset_file)
    configure_logging(settings.log_level)
    configure_tracing(app.title, settings.otel_traces_exporter)
    # aiokafka narrates every rebalance at INFO; its warnings and errors still show.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, logging.getLogger().level))
    # log_config=None: uvicorn keeps its hands off logging, so its warnings are JSON lines too.
    logging.getLogger("uvicorn").setLevel(max(logging.WARNING, logging.getLogger().level))
    # httptools and uvloop (the kit's dependencies) parse HTTP and run the event loop in C: intake's
    # CPU per referral by HTTP 1.3 ms with them, 1.9-2.2 ms with h11 and asyncio's loop
    # (bench/latency_stages.py on a quiet machine, BENCHMARKS.md).
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False,
                http="httptools", loop="uvloop" if sys.platform != "win32" else "asyncio")
