"""Measurement 5 at each scale: every oversight query and the /metrics refresh, from the read
models (through the oversight service's API as the dashboard asks it, and in-process from its
bootstrap) beside the previous aggregation path (bench/previous_figures.py) on the same data in the
same run, with the ratio; and whether the two answer the same (but the percentiles: bucket-accurate
now, t-digest-approximate before)."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import timedelta

import httpx

import previous_figures as previous
from oversight.bootstrap import bootstrap, connect
from oversight.figures.models import Filters
from referral_contracts import utc_now

# name: (the API's path and whether it asks for the last 30 days; what it asks of the read models and
# of the previous path, given the month's filters and now). The whole-history ones last: the
# previous path holds the store longest there.
QUERIES = {
    "summary, one month": ("/v1/oversight/summary", True, lambda o, f, now: o.figures.summary(f, now),
                           lambda r, f, now: previous.summary(r, f, now)),
    "breach log, one month": ("/v1/oversight/breaches", True, lambda o, f, now: o.figures.breach_log(f),
                              lambda r, f, now: previous.breach_log(r, f)),
    "worklist (open, by acuity)": ("/v1/oversight/worklist?sort=acuity", False,
                                   lambda o, f, now: o.figures.worklist(Filters(), now, sort="acuity"),
                                   lambda r, f, now: previous.worklist(r, Filters(), now, sort="acuity")),
    "summary, all history": ("/v1/oversight/summary", False, lambda o, f, now: o.figures.summary(Filters(), now),
                             lambda r, f, now: previous.summary(r, Filters(), now)),
}


async def settled(http: httpx.AsyncClient, seconds: float = 180) -> float:
    """Wait until oversight has projected everything tracking published (its consumer lag on
    referral.changes.v1 is 0 three times running): the escalations the deadline measurement fired
    and their delivery outcomes would otherwise be written while the queries are timed. Returns
    how long that took."""
    started, quiet = time.monotonic(), 0
    while quiet < 3 and time.monotonic() - started < seconds:
        text = (await http.get("/metrics")).text
        lag = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                  if line.startswith("referral_consumer_lag{") and 'topic="referral.changes.v1"' in line)
        quiet = quiet + 1 if lag == 0 else 0
        await asyncio.sleep(1)
    return round(time.monotonic() - started, 1)


def _ms(times: list[float]) -> dict:
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1), "runs": len(times)}


async def _timed(call, repeats: int) -> tuple[dict, object]:
    times, answer = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        answer = await call()
        times.append(1000 * (time.perf_counter() - started))
    return _ms(times), answer


async def _over_http(http: httpx.AsyncClient, path: str, params: dict | None, repeats: int) -> dict:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        (await http.get(path, params=params)).raise_for_status()
        times.append(1000 * (time.perf_counter() - started))
    return _ms(times)


def agreement(name: str, new, old) -> list[str]:
    """Which figures the two paths answer differently (an empty list: the same)."""
    if name.startswith("summary"):
        facets = old
        counts = {row["_id"]: row["n"] for row in facets["by_state"]}
        backlog = {row["_id"]: row["n"] for row in facets["backlog"]}
        pairs = {"by_state": (new.by_state, counts), "overdue": (new.overdue, (facets["overdue"] or [{"n": 0}])[0]["n"]),
                 "backlog_age": ({k: v for k, v in new.backlog_age.items() if v}, backlog),
                 "funnel.sent": (new.funnel.sent, (facets["funnel"] or [{"sent": 0}])[0]["sent"]),
                 "breaches": (len(new.breaches), len(facets["breaches"]))}
    elif name.startswith("breach"):
        pairs = {"breaches": ([b.referral_id for b in new], [str(b["referral_id"]) for b in old])}
    elif name.startswith("worklist"):
        pairs = {"rows": ([r.referral_id for r in new], [str(r["referral_id"]) for r in old])}
    else:
        pairs = {"gauges": (new, old)}
    return [figure for figure, (a, b) in pairs.items() if a != b]


async def oversight_times(oversight_url: str, api_key: str, mongodb_url: str, policy, repeats: int = 3,
                          previous_repeats: int = 1) -> dict:
    """Median ms of each query: `http` (the service, as the dashboard asks), `read_models` (the same
    code in-process) and `previous` (the aggregation over the projection), and the ratio previous ÷
    read models; then the /metrics refresh alike."""
    now = utc_now()
    month = Filters(since=now - timedelta(days=30), until=now)
    client = connect(mongodb_url)
    oversight, referrals = bootstrap(client["oversight"], policy), client["oversight"]["referrals"]
    results: dict = {}
    try:
        async with httpx.AsyncClient(base_url=oversight_url, timeout=600,
                                     headers={"Authorization": f"Bearer {api_key}"}) as http:
            results["settled_in_s"] = await settled(http)
            for name, (path, monthly, new, old) in QUERIES.items():
                params = {"since": month.since.isoformat(), "until": month.until.isoformat()} if monthly else None
                served = await _over_http(http, path, params, repeats)
                kept, new_answer = await _timed(lambda: new(oversight, month, now), repeats)
                before, old_answer = await _timed(lambda: old(referrals, month, now), previous_repeats)
                results[name] = {"http": served, "read_models": kept, "previous": before,
                                 "ratio": round(before["median_ms"] / kept["median_ms"], 1),
                                 "differs": agreement(name, new_answer, old_answer)}
        kept, new_answer = await _timed(lambda: oversight.figures.live_counts(now), repeats)
        before, old_answer = await _timed(lambda: previous.live_counts(referrals, now), previous_repeats)
        results["metrics refresh"] = {"read_models": kept, "previous": before,
                                      "ratio": round(before["median_ms"] / kept["median_ms"], 1),
                                      "differs": agreement("metrics", new_answer, old_answer)}
    finally:
        await client.close()
    return results
