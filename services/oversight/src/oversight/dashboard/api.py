"""The oversight page. It holds no data: it asks this service's API with the key the viewer gives
(in the address's fragment, never sent to the server), so it needs no key itself."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

PAGE = (files("oversight.dashboard") / "dashboard.html").read_text(encoding="utf-8")


def dashboard_routes() -> APIRouter:
    router = APIRouter(prefix="/v1/oversight")

    @router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard() -> HTMLResponse:
        return HTMLResponse(PAGE)

    return router
