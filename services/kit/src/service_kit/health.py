"""Liveness and readiness probes, as orchestrators expect them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response, status
from faststream.kafka import KafkaBroker

from .progress import ConsumerProgress

ReadinessCheck = Callable[[], Awaitable[bool]]


def health_routes(broker: KafkaBroker, consumers: ConsumerProgress | None = None, **checks: ReadinessCheck) -> APIRouter:
    """/health: the process answers. /ready: the broker and every named dependency answer, and no
    consumer is stalled (each stalled partition is named, with the last error seen on it)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/ready")
    async def ready(response: Response) -> dict[str, str | list[str]]:
        results = {"kafka": await broker.ping(timeout=2.0)}
        for name, check in checks.items():
            try:
                results[name] = await check()
            except Exception:  # an unreachable dependency is an answer here, not an error
                results[name] = False
        answer: dict[str, str | list[str]] = {name: "ok" if up else "unreachable" for name, up in results.items()}
        stalled = consumers.stalled if consumers is not None else []
        answer["consumers"] = ["stalled " + s for s in stalled] if stalled else "ok"
        if not all(results.values()) or stalled:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return answer

    return router
