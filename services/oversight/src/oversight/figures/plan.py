"""Which roll-up cells, and which stretches of submissions read from the projection, answer the
figures for a choice of filters. Pure.

A query reads a bounded number of small documents, never the history: all history is the `all` cells
(five) or, for an agency, the `pair` cells; a period is its whole months (`month` cells), the whole
days at either end (`day` cells) and, at the very ends, the part of a day the period cuts, read from
the projection (at most two days' referrals). An agency's period is its whole months (`pair_month`)
and the parts of a month at either end from the projection (at most two months of that agency's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .contribution import ALL, DAY, MONTH, PAIR, PAIR_MONTH, day
from .models import Filters

EVER = ("", "~")  # every period key sorts between these
Stretch = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class Span:
    """Cells of one kind whose period is in [start, end)."""

    kind: str
    start: str = EVER[0]
    end: str = EVER[1]


@dataclass(frozen=True)
class Plan:
    spans: list[Span]
    stretches: list[Stretch]  # submitted in [since, until), read from the projection


def for_agency(filters: Filters) -> bool:
    return bool(filters.source_agency_id or filters.receiving_agency_id or filters.involving)


def plan(filters: Filters) -> Plan:
    agency = for_agency(filters)
    since, until = filters.since, filters.until
    if since is None and until is None:
        return Plan([Span(PAIR if agency else ALL)], [])
    if agency:
        whole, stretches = _whole(since, until, _next_month, _month)
        return Plan(_spans(PAIR_MONTH, whole, month_key) if whole else [], stretches)
    days, stretches = _whole(since, until, _next_day, _day)
    if days is None:
        return Plan([], stretches)
    first, last = days
    months, _ = _whole(first, last, _next_month, _month)
    if months is None:  # whole days within one month, or across the turn of one
        return Plan(_spans(DAY, days, day), stretches)
    head = _spans(DAY, (first, months[0]), day) if first is not None else []
    tail = _spans(DAY, (months[1], last), day) if last is not None else []
    spans = [*head, *_spans(MONTH, months, month_key), *tail]
    return Plan(spans, stretches)


def _whole(since, until, after, start_of) -> tuple[Stretch | None, list[Stretch]]:
    """The whole units in [since, until), and what is left at either end."""
    first = None if since is None else (since if start_of(since) == since else after(since))
    last = None if until is None else start_of(until)
    if first is not None and last is not None and first >= last:
        return None, [(since, until)]
    ends = [(since, first)] if since is not None and since < first else []
    ends += [(last, until)] if until is not None and last < until else []
    return (first, last), ends


def _spans(kind: str, whole: Stretch, key) -> list[Span]:
    start = EVER[0] if whole[0] is None else key(whole[0])
    end = EVER[1] if whole[1] is None else key(whole[1])
    return [Span(kind, start, end)] if start < end else []


def _day(moment: datetime) -> datetime:
    moment = moment.astimezone(timezone.utc)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _next_day(moment: datetime) -> datetime:
    return _day(moment) + timedelta(days=1)


def _month(moment: datetime) -> datetime:
    return _day(moment).replace(day=1)


def _next_month(moment: datetime) -> datetime:
    return (_month(moment) + timedelta(days=32)).replace(day=1)


def month_key(moment: datetime) -> str:
    return day(moment)[:7]


def days_of(moment: datetime) -> tuple[datetime, datetime]:
    """The UTC day holding `moment`, as [start, end)."""
    return _day(moment), _next_day(moment)
