"""Which roll-up cells, and which stretches of submissions read from the projection, answer the
figures for a choice of filters. Pure.

A query reads a bounded number of small documents, never the history: all history is the `all` cells
(five) and their day pages (one a month still holding referrals awaiting contact) or, for an agency,
the `pair` cells and theirs; a period is its whole months (`month` cells) and the whole days at either
end (`day` cells), an agency's period its whole months (`pair_month`). Where a period cuts a day (an
agency's, a month), that part is read from the projection, or, when it is the longer part of the
unit (counting only time already past: "until now" cuts today after its last submission), the unit's
cell is read and the other part taken away, so at most half a day's (a month's) referrals are read
at either end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .contribution import ALL, DAY, MONTH, PAGED, PAIR, PAIR_MONTH, day
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
    stretches: list[Stretch] = field(default_factory=list)  # submitted in [since, until): added
    less: list[Stretch] = field(default_factory=list)  # submitted in [since, until): taken away


@dataclass(frozen=True)
class Unit:
    """Days or months: where one starts, where the next starts, a cell kind and its period key."""

    start: Callable[[datetime], datetime]
    after: Callable[[datetime], datetime]
    kind: str
    key: Callable[[datetime], str]


def for_agency(filters: Filters) -> bool:
    return bool(filters.source_agency_id or filters.receiving_agency_id or filters.involving)


def plan(filters: Filters, now: datetime) -> Plan:
    since, until, agency = filters.since, filters.until, for_agency(filters)
    if since is None and until is None:
        whole = PAIR if agency else ALL
        return Plan([Span(whole), Span(PAGED[whole])])
    unit = Unit(_month, _next_month, PAIR_MONTH, month_key) if agency else Unit(_day, _next_day, DAY, day)
    whole, ends = _whole(since, until, unit)
    spans, stretches, less = [], [], []
    for lo, hi in ends:
        start, end = unit.start(lo), unit.after(lo)
        past = min(end, now)  # nothing is submitted after now
        if (min(hi, now) - lo) <= (lo - start) + max(timedelta(0), past - hi):
            stretches.append((lo, hi))
        else:  # the unit's cell, less the part outside the period
            spans.append(Span(unit.kind, unit.key(start), unit.key(end)))
            less += [part for part in ((start, lo), (hi, end)) if part[0] < part[1]]
    if whole is not None:
        spans += _spans(unit.kind, whole, unit.key) if agency else _days_and_months(whole)
    return Plan(spans, stretches, less)


def _whole(since, until, unit: Unit) -> tuple[Stretch | None, list[Stretch]]:
    """The whole units in [since, until), and what is left at either end (each within one unit)."""
    first = None if since is None else (since if unit.start(since) == since else unit.after(since))
    last = None if until is None else unit.start(until)
    if first is not None and last is not None and first > last:  # within one unit
        return None, [(since, until)]
    ends = [(since, first)] if since is not None and since < first else []
    ends += [(last, until)] if until is not None and last < until else []
    whole = (first, last) if first is None or last is None or first < last else None
    return whole, ends


def _days_and_months(days: Stretch) -> list[Span]:
    """Whole days as the months they fill and the days either side."""
    first, last = days
    months, _ = _whole(first, last, Unit(_month, _next_month, MONTH, month_key))
    if months is None:  # whole days within one month, or across the turn of one
        return _spans(DAY, days, day)
    head = _spans(DAY, (first, months[0]), day) if first is not None else []
    tail = _spans(DAY, (months[1], last), day) if last is not None else []
    return [*head, *_spans(MONTH, months, month_key), *tail]


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
