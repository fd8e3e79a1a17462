"""The oversight page and what it loads. It holds no data: it asks this service's API with the key
the viewer gives (in the address's fragment, never sent to the server), so it needs no key itself.
Everything it loads is served from here (its script, its styles, the charting library vendored with
its licence: `static/vendor/README.md`); nothing comes from a CDN. The partnership's time zone (the
policy's calendar) is written into the page, so times read as the partnership's clocks show them."""

from __future__ import annotations

from html import escape
from importlib.resources import files

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

_HERE = files("oversight.dashboard")
PAGE = (_HERE / "dashboard.html").read_text(encoding="utf-8")
# Only these, by name: no path from the request reaches the file system.
ASSETS = {
    "dashboard.js": ("dashboard.js", "text/javascript"),
    "format.js": ("format.js", "text/javascript"),
    "dashboard.css": ("dashboard.css", "text/css"),
    "chart.umd.min.js": ("vendor/chart.umd.min.js", "text/javascript"),
    "chart.js-LICENSE.md": ("vendor/chart.js-LICENSE.md", "text/markdown"),
    "kurkle-color-LICENSE.md": ("vendor/kurkle-color-LICENSE.md", "text/markdown"),
}


def dashboard_routes(timezone: str) -> APIRouter:
    router = APIRouter(prefix="/v1/oversight")
    page = PAGE.replace("{{timezone}}", escape(timezone, quote=True))
    assets = {name: ((_HERE / "static" / path).read_bytes(), kind) for name, (path, kind) in ASSETS.items()}

    @router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"})

    @router.get("/dashboard/static/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in assets:
            raise HTTPException(404, f"no dashboard file {name!r}")
        body, kind = assets[name]
        return Response(body, media_type=kind, headers={"Cache-Control": "public, max-age=3600"})

    return router
