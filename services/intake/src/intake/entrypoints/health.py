from fastapi import APIRouter, Response, status
from faststream.kafka import KafkaBroker


def health_routes(broker: KafkaBroker) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/ready")
    async def ready(response: Response) -> dict[str, str]:
        if not await broker.ping(timeout=2.0):
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
            return {"status": "broker unreachable"}
        return {"status": "ready"}

    return router
