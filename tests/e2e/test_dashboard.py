"""The oversight dashboard, served by the oversight service, in a real browser (Playwright driving
Debian's headless Chromium): without a key it asks for one; with one, its charts and tables show
what the API answers (tiles, the funnel, backlog age, timeliness week by week with its counts,
breaches over time), its times read in the partnership's time zone and its durations in the unit
that fits; it loads nothing from anywhere but the platform; axe-core, run in the page, finds no
accessibility violation; a filter narrows it and a click opens a referral's detail. A screenshot is
kept with the test output (and written to $DASHBOARD_SCREENSHOT when set: the README's)."""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from devstack.keys import OVERSIGHT
from playwright.sync_api import sync_playwright

from polling import eventually
from referral_driver import Loop

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"  # Debian's package (make installs it)
# Chromium's own calls home are refused on a closed network; these flags keep it quiet and quick.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).resolve().parents[2] / "tools" / "dashboard" / "node_modules" / "axe-core" / "axe.min.js"
LONDON = ZoneInfo("Europe/London")  # the demo policy's calendar.timezone
TILES = {"volume": "volume", "overdue": "overdue", "unassigned": "unassigned", "unknown": "unknown_outcomes"}
AFTER_DISCHARGE = {"presenting_needs": ["discharged from hospital yesterday", "low mood"]}  # crisis follow-up: 24 h


def in_london(iso: str) -> str:
    """How the partnership's clocks show an instant: the page must say the same."""
    t = datetime.fromisoformat(iso).astimezone(LONDON)
    return f"{t:%a} {t.day} {t:%b %Y, %H:%M} {t.tzname()}"


def duration(hours: float) -> str:
    minutes = hours * 60
    return ("under 1 min" if minutes < 1 else f"{round(minutes)} min" if minutes < 90 else
            f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days")


def share(count: int, total: int, pct: float | None) -> str:
    return f"{count} of {total}" if not total else f"{count} of {total} ({round(pct if pct is not None else 100 * count / total)} %)"


def summary(read_side: str, headers: dict, **filters) -> dict:
    return httpx.get(f"{read_side}/v1/oversight/summary", params=filters, headers=headers).json()


def shown_tiles(page) -> dict[str, int]:
    return {tile: int(page.inner_text(f'[data-tile="{tile}"] .n')) for tile in TILES}


def chart_data(page, chart: str) -> list:
    return page.evaluate(f"Chart.getChart('{chart}').data.datasets.map((d) => d.data)")


def no_accessibility_violations(page) -> None:
    violations = page.evaluate("axe.run(document).then((r) => r.violations.map((v) => "
                               "({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target)})))")
    assert violations == [], violations


@pytest.fixture
def a_breach_and_two_referrals(running_services, api_keys, platform_clock) -> tuple[Loop, Loop]:
    routine, late = Loop(running_services, api_keys), Loop(running_services, api_keys, **AFTER_DISCHARGE)
    routine.wait_for("assigned")
    assigned = late.wait_for("assigned")
    platform_clock.advance_to(datetime.fromisoformat(assigned["contact_deadline"]) + timedelta(minutes=10))
    eventually(lambda: any(e["step"] == "breach" for e in late.escalations()["fired"]), "the breach", timeout=60)
    eventually(lambda: late.projected()["escalations"], "oversight to hold the breach")
    routine.projected()
    return routine, late


def test_the_dashboard_shows_what_the_api_answers(running_services, api_keys, a_breach_and_two_referrals,
                                                  tmp_path) -> None:
    routine, late = a_breach_and_two_referrals
    read_side, oversight = running_services["oversight"], api_keys.headers(OVERSIGHT)
    asked = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.add_init_script(path=str(AXE))  # axe-core in the page, whatever its content security policy
        page.on("request", lambda request: asked.append(request.url))

        _key_prompt_then_figures(page, api_keys.keys[OVERSIGHT], read_side)
        s = summary(read_side, oversight)
        _tiles_and_charts_are_the_apis(page, s)
        _weeks_are_the_apis(page, read_side, oversight, s, late)
        _times_in_london(page, read_side, oversight, s, routine, late)
        page.fill('input[name="source_agency_id"]', "gp-north")
        page.select_option('select[name="tier"]', "crisis_follow_up")
        page.click('#filters button[type="submit"]')
        page.wait_for_selector("#status:text-matches('^As of')")
        narrowed = summary(read_side, oversight, tier="crisis_follow_up", source_agency_id="gp-north")
        eventually(lambda: shown_tiles(page) == {tile: narrowed[field] for tile, field in TILES.items()}, "the filter")

        page.click(f'tr[data-referral="{late.id}"]')
        page.wait_for_selector(f"#detail >> text={late.reference}")
        assert "Accountability" in page.inner_text("#detail") and "referral submitted" in page.inner_text("#detail")
        screenshot = tmp_path / "dashboard.png"
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    assert [url for url in asked if not url.startswith(read_side) and not url.startswith("data:")] == [], \
        "the page loads only from the platform (no CDN)"
    assert any(url.endswith("/dashboard/static/chart.umd.min.js") for url in asked)
    assert screenshot.stat().st_size > 10_000
    if os.environ.get("DASHBOARD_SCREENSHOT"):
        shutil.copy(screenshot, os.environ["DASHBOARD_SCREENSHOT"])
    print(f"\ndashboard screenshot: {screenshot}")


def _key_prompt_then_figures(page, key: str, read_side: str) -> None:
    """Without a key the page asks for one (and says a wrong one is not accepted), then shows the figures."""
    page.goto(f"{read_side}/v1/oversight/dashboard")
    page.wait_for_selector("#key-prompt:not([hidden])")
    assert page.is_hidden("#figures") and "Enter an API key" in page.inner_text("#key-prompt")
    no_accessibility_violations(page)
    page.fill("#key", "not-a-key")
    page.click("#key-form button")
    page.wait_for_selector("#key-problem:text-matches('not accepted')")

    page.fill("#key", key)
    page.click("#key-form button")
    page.wait_for_selector("#status:text-matches('^As of')", timeout=30_000)


def _tiles_and_charts_are_the_apis(page, s: dict) -> None:
    assert shown_tiles(page) == {tile: s[field] for tile, field in TILES.items()}
    f = s["funnel"]
    assert chart_data(page, "funnel-chart") == [[f["sent"], f["acknowledged"], f["first_contact"], f["engaged"]]]
    assert chart_data(page, "backlog-chart") == [list(s["backlog_age"].values())]
    for tier, t in s["time_to_first_contact"].items():
        row = page.inner_text(f'#timeliness tr[data-tier="{tier}"]').split("\t")
        assert row[1:] == [str(t["count"]), duration(t["median_hours"]) if t["median_hours"] is not None else "–",
                           duration(t["p90_hours"]) if t["p90_hours"] is not None else "–",
                           share(t["within_standard"], t["due"], t["within_standard_pct"])]
    ft, follow = s["follow_through"], page.inner_text("#follow tbody tr").strip().split("\t")
    assert page.inner_text("#follow thead").strip().split("\t")[3:] == ["plan update overdue", "staff briefing overdue"]
    assert [follow[0], *follow[3:]] == [str(ft[k]) for k in ("consults", "plan_update_overdue", "staff_briefing_overdue")]


def _weeks_are_the_apis(page, read_side: str, oversight: dict, s: dict, late) -> None:
    # Week by week: each row names its window; the API asked for the same window answers the same.
    weeks = page.evaluate("[...document.querySelectorAll('#weekly tr[data-since]')].map((r) => [r.dataset.since, "
                          "r.dataset.until, [...r.cells].slice(1).map((c) => c.textContent)])")
    assert len(weeks) == 8
    since, until, cells = weeks[-1]
    week = summary(read_side, oversight, since=since, until=until)["time_to_first_contact"]
    tiers = ["urgent", "crisis_follow_up", "priority", "routine"]
    assert cells == [share(week[t]["within_standard"], week[t]["due"], week[t]["within_standard_pct"])
                     if t in week and week[t]["due"] else "–" for t in tiers]
    assert chart_data(page, "weekly-chart")[tiers.index("crisis_follow_up")][-1] == \
        (week.get("crisis_follow_up") or {}).get("within_standard_pct")
    in_weeks = [b for b in s["breaches"] if weeks[0][0] <= _z(b["fired_at"]) < until]
    assert late.id in {b["referral_id"] for b in in_weeks}
    assert sum(chart_data(page, "breaches-chart")[0]) == len(in_weeks), "breaches over time: the API's, by week"


def _times_in_london(page, read_side: str, oversight: dict, s: dict, routine, late) -> None:
    # The breach log and the worklist: times as London's clocks show them, lateness in its unit.
    breach = next(b for b in s["breaches"] if b["referral_id"] == late.id)
    log = page.inner_text("#breaches")
    assert in_london(breach["fired_at"]) in log and duration(breach["overdue_hours"]) in log
    row = next(r for r in httpx.get(f"{read_side}/v1/oversight/worklist", headers=oversight).json()
               if r["referral_id"] == routine.id)
    assert in_london(row["deadline"]) in page.inner_text(f'tr[data-referral="{routine.id}"]')
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", page.inner_text("#figures")), "no raw ISO times"
    no_accessibility_violations(page)


def _z(iso: str) -> str:
    """An API time as the page's window bounds are written (UTC, milliseconds, Z), to compare as text."""
    return datetime.fromisoformat(iso).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
