"""Oversight's questions answered from the read models (figures/readmodels.py): the summary from
the roll-up cells a plan names (figures/plan.py), the breach log from its own collection, the huddle
worklist from its entries in windows of months, and the /metrics counts from the five all-history
cells. Each reads a bounded number of small documents, however long the history."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from referral_contracts.changes import OPEN_STATES

from . import worklist as huddle
from .contribution import ALL, MONTH, PAGED, PAIR_MONTH
from .models import Breach, Filters, Summary, WorklistRow
from .plan import EVER, Span, days_of, for_agency, month_key, plan
from .readmodels import ReadModels, breach_moment
from .rules import NO_AGENCY, overdue_count, selections
from .summary import Moment, cut_days, named, summary

UNTRIAGED = "untriaged"  # the gauges' label for a referral with no tier yet


def _breach(row: dict[str, Any]) -> Breach:
    return Breach(referral_id=str(row["referral_id"]), agency_id=row["agency_id"], tier=row.get("tier"),
                  deadline=row.get("deadline"), fired_at=row["fired_at"],
                  overdue_hours=round(row["overdue_seconds"] / 3600, 2), reason=row.get("reason"))


def _month_after(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def _start(month: str) -> datetime:
    return datetime.fromisoformat(f"{month}-01T00:00:00+00:00")


class FiguresStore:
    def __init__(self, read_models: ReadModels) -> None:
        self._models = read_models

    async def summary(self, filters: Filters, now: datetime) -> Summary:
        by_tier = await self._models.tally(plan(filters, now), filters)
        return summary(filters, by_tier, await self._moment(filters, now), await self.breach_log(filters))

    async def _moment(self, filters: Filters, now: datetime) -> Moment:
        """The worklist entries the figures of `now` read one by one: deadline earlier today, or
        submitted on a day a backlog boundary cuts (a day's referrals at most, by index)."""
        due_today = await self._models.entries(selections(filters, deadline=(days_of(now)[0], now)))
        cut = [e for day in cut_days(now) for e in await self._models.entries(selections(filters, submitted=day))]
        return Moment(now=now, due_today=due_today, cut_days=cut)

    async def breach_log(self, filters: Filters) -> list[Breach]:
        """Every missed first-contact deadline of the referrals the filters choose, oldest first."""
        rows = [row for query in selections(filters) async for row in self._models.breaches.find(query)]
        return [_breach(row) for row in sorted(rows, key=breach_moment)]

    async def worklist(self, filters: Filters, now: datetime, sort: str = "age", limit: int = 500) -> list[WorklistRow]:
        """Open referrals, and engaged ones whose follow-through is not complete, oldest first
        (`sort="age"`) or most acute first (`sort="acuity"`, then age), at most `limit`. Read in
        windows of submission months the roll-ups say hold enough entries: the oldest month of each
        tier first, so the limit keeps the most acute (or the oldest), never a sort of them all."""
        by_tier = await self._on_worklist_by_month(filters)
        if sort == "acuity":
            groups = [(tier, by_tier[tier]) for tier in sorted(by_tier, key=huddle.rank)]
        else:
            every: Counter[str] = Counter()
            for counts in by_tier.values():
                every.update(dict(counts))
            groups = [(None, sorted(every.items()))]
        order, chosen = huddle.order(sort), []
        for tier, months in groups:
            found: list[dict[str, Any]] = []
            while months and len(chosen) + len(found) < limit:
                window, months = huddle.next_window(months, limit - len(chosen) - len(found))
                found += await self._models.entries(self._window(filters, tier, window))
            chosen += sorted(found, key=order)[:limit - len(chosen)]
            if len(chosen) >= limit:
                break
        return [huddle.row(e, now) for e in sorted(chosen, key=order)]

    def _window(self, filters: Filters, tier: str | None, months: list[str]) -> list[dict[str, Any]]:
        queries = selections(filters, submitted=(_start(months[0]), _start(_month_after(months[-1]))))
        if tier is not None:  # one tier's entries, by the index on tier and submission
            queries = [{**q, "tier": None if tier == NO_AGENCY else tier} for q in queries]
        return queries

    async def _on_worklist_by_month(self, filters: Filters) -> dict[str, list[tuple[str, int]]]:
        """How many worklist entries the roll-ups count by month of submission, per tier."""
        first = EVER[0] if filters.since is None else month_key(filters.since)
        last = EVER[1] if filters.until is None else _month_after(month_key(filters.until - timedelta(milliseconds=1)))
        span = Span(PAIR_MONTH if for_agency(filters) else MONTH, first, last)
        months: dict[str, Counter[str]] = {}
        for cell in await self._models.cells(span, filters, {"period": 1, "tier": 1, "source": 1, "receiving": 1,
                                                             "c.worklist": 1}):
            if n := cell.get("c", {}).get("worklist"):
                months.setdefault(cell["tier"], Counter())[cell["period"]] += n
        return {tier: sorted(counts.items()) for tier, counts in months.items()}

    async def live_counts(self, now: datetime) -> tuple[dict[tuple[str, str], int], int]:
        """Open referrals by (state, tier), and how many are overdue: for the /metrics gauges, from
        the all-history cells, their day pages and the entries whose deadline falls today."""
        by_state: dict[tuple[str, str], int] = {}
        for cell in await self._models.cells(Span(ALL), Filters()):
            tier = UNTRIAGED if cell["tier"] == NO_AGENCY else cell["tier"]
            for state, n in named(cell["c"], "state:").items():
                if state in OPEN_STATES:
                    by_state[(state, tier)] = n
        overdue_by: Counter[str] = Counter()
        for page in await self._models.cells(Span(PAGED[ALL]), Filters()):
            overdue_by.update(named(page["c"], "overdue_by:"))
        due_today = await self._models.entries(selections(Filters(), deadline=(days_of(now)[0], now)))
        return by_state, overdue_count(overdue_by, due_today, now)
