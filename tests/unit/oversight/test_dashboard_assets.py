"""The dashboard's files: everything it loads comes from the oversight service itself (the charting
library vendored byte for byte from its npm package, with its licence), the partnership's time zone
is written into the page, and the page's time, duration and share formats are held to Python's own
reading of the same instants (zoneinfo), across both daylight-saving changes."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from oversight.dashboard.api import ASSETS, dashboard_routes

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "services" / "oversight" / "src" / "oversight" / "dashboard" / "static"
PACKAGE = ROOT / "tools" / "dashboard" / "node_modules" / "chart.js"


class Client:
    """The dashboard's routes in process, asked over ASGI as a browser would over HTTP."""

    def __init__(self) -> None:
        self.app = FastAPI()
        self.app.include_router(dashboard_routes("America/New_York"))

    def get(self, url: str) -> httpx.Response:
        async def ask() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://oversight") as c:
                return await c.get(url)

        return asyncio.run(ask())


@pytest.fixture(scope="module")
def client() -> Client:
    return Client()


def test_the_vendored_chart_library_is_its_package_byte_for_byte_with_its_licence() -> None:
    assert PACKAGE.is_dir(), "run `make fetch` (npm ci in tools/dashboard) first"
    version = json.loads((PACKAGE / "package.json").read_text())["version"]
    assert (STATIC / "vendor" / "chart.umd.min.js").read_bytes() == (PACKAGE / "dist" / "chart.umd.min.js").read_bytes(), \
        "stale copy: run `make dashboard-vendor`"
    assert (STATIC / "vendor" / "chart.js-LICENSE.md").read_bytes() == (PACKAGE / "LICENSE.md").read_bytes()
    assert f"Chart.js {version}" in (ROOT / "services/oversight/src/oversight/dashboard/dashboard.html").read_text()
    assert f"`chart.js` {version}" in (STATIC / "vendor" / "README.md").read_text()


def test_the_page_loads_only_what_this_service_serves(client: Client) -> None:
    page = client.get("/v1/oversight/dashboard")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    assert '<meta name="partnership-timezone" content="America/New_York">' in page.text
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert loaded and all(url.startswith("/v1/oversight/dashboard/static/") or url == "data:," for url in loaded), loaded
    for url in loaded:
        if url.startswith("/"):
            assert client.get(url).status_code == 200, url
    assert client.get("/v1/oversight/dashboard/static/chart.umd.min.js").content.startswith(b"/*!\n * Chart.js")
    assert set(ASSETS) >= {"chart.umd.min.js", "chart.js-LICENSE.md"}


def test_no_other_file_is_served(client: Client) -> None:
    for name in ("../api.py", "..%2Fapi.py", "vendor/chart.umd.min.js", "dashboard.html", "README.md"):
        assert client.get(f"/v1/oversight/dashboard/static/{name}").status_code == 404, name


INSTANTS = ["2026-12-03T16:27:35.451000Z", "2026-07-03T16:27:00Z", "2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z",
            "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2027-01-01T00:00:00Z"]


def formatted(zone: str) -> dict:
    script = (f"const F = require({json.dumps(str(STATIC / 'format.js'))});"
              f"const at = {json.dumps(INSTANTS)};"
              f"console.log(JSON.stringify({{moments: at.map((i) => F.moment(i, {json.dumps(zone)})),"
              "durations: [0.001, 0.4, 1.49, 1.5, 30, 47.9, 48, 100].map(F.duration),"
              "shares: [[4, 5, 80], [4, 5, null], [0, 0, null], [2, 3, 66.7]].map(([a, b, c]) => F.share(a, b, c)),"
              f"midnights: ['2026-03-29', '2026-10-25', '2026-07-03'].map((d) => F.zonedMidnight(d, {json.dumps(zone)}))}}))")
    return json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_times_read_as_the_partnerships_clocks_show_them(zone: str) -> None:
    shown = formatted(zone)
    tz = ZoneInfo(zone)
    expected = [datetime.fromisoformat(i.replace("Z", "+00:00")).astimezone(tz) for i in INSTANTS]
    assert shown["moments"] == [f"{t:%a} {t.day} {t:%b %Y, %H:%M} {t.tzname()}" for t in expected]
    midnights = [datetime(2026, 3, 29, tzinfo=tz), datetime(2026, 10, 25, tzinfo=tz), datetime(2026, 7, 3, tzinfo=tz)]
    assert shown["midnights"] == [m.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z") for m in midnights]


def test_durations_in_the_unit_that_fits_and_shares_with_their_counts() -> None:
    shown = formatted("Europe/London")
    assert shown["durations"] == ["under 1 min", "24 min", "89 min", "1.5 h", "30.0 h", "47.9 h", "2.0 days",
                                  "4.2 days"]
    assert shown["shares"] == ["4 of 5 (80 %)", "4 of 5 (80 %)", "0 of 0", "2 of 3 (67 %)"]
