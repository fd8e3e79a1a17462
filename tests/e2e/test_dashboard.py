"""The oversight dashboard, served by the oversight service, in a real browser (Playwright driving
Debian's headless Chromium): the numbers it shows equal the API's, a filter narrows them, a click
opens a referral's detail (its state, who is accountable, its steps), and a screenshot is kept with
the test output."""

from __future__ import annotations

import httpx
import pytest
from devstack.keys import OVERSIGHT
from playwright.sync_api import sync_playwright

from referral_driver import Loop

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"  # Debian's package (make installs it)
# Chromium's own calls home are refused on a closed network; these flags keep it quiet and quick.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
TILES = {"volume": "volume", "overdue": "overdue", "unassigned": "unassigned", "unknown": "unknown_outcomes"}


def shown(page) -> dict[str, int]:
    return {tile: int(page.inner_text(f'[data-tile="{tile}"] .n')) for tile in TILES}


def answered(read_side: str, headers: dict, **filters) -> dict[str, int]:
    summary = httpx.get(f"{read_side}/v1/oversight/summary", params=filters, headers=headers).json()
    return {tile: summary[field] for tile, field in TILES.items()}


def test_the_dashboard_shows_what_the_api_answers(running_services, api_keys, tmp_path) -> None:
    routine, urgent = Loop(running_services, api_keys), Loop(
        running_services, api_keys, risk_flags=["self_harm"], immediate_safety_actions=["crisis line given"])
    routine.wait_for("assigned"), urgent.wait_for("assigned")
    routine.projected(), urgent.projected()
    read_side, oversight = running_services["oversight"], api_keys.headers(OVERSIGHT)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.goto(f"{read_side}/v1/oversight/dashboard#key={api_keys.keys[OVERSIGHT]}")
        page.wait_for_selector("text=As of", timeout=30_000)
        assert shown(page) == answered(read_side, oversight)
        by_source = httpx.get(f"{read_side}/v1/oversight/summary", headers=oversight).json()["by_source"]
        assert page.inner_text('#sources tr[data-source="gp-north"] td:nth-child(2)') == str(
            by_source["gp-north"]["referrals"])

        page.select_option('select[name="tier"]', "urgent")
        page.fill('input[name="source_agency_id"]', "gp-north")
        page.click('#filters button[type="submit"]')
        page.wait_for_function("document.getElementById('status').textContent.startsWith('As of')")
        assert shown(page) == answered(read_side, oversight, tier="urgent", source_agency_id="gp-north")

        page.click(f'tr[data-referral="{urgent.id}"]')
        page.wait_for_selector(f"#detail >> text={urgent.reference}")
        assert "Accountability" in page.inner_text("#detail") and "referral submitted" in page.inner_text("#detail")
        screenshot = tmp_path / "dashboard.png"
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    assert screenshot.stat().st_size > 10_000
    print(f"\ndashboard screenshot: {screenshot}")
