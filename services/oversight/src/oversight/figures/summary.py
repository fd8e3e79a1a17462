"""The summary, named from the roll-ups: the counters of the cells and stretches a plan chose, summed
per tier (figures/contribution.py says what each counter counts), and, for the figures that depend on
the moment asked, the few referrals whose deadline falls today or whose submission day a backlog
boundary cuts (read by index from the worklist). Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from . import histogram
from .models import (
    BACKLOG_BUCKETS, Breach, Filters, FollowThroughFigures, Funnel, SourceFigures, Spread, Summary, TierTimeliness,
)
from .plan import days_of
from .rules import LINKED, NO_AGENCY, awaiting_contact, backlog_age, overdue_count

FOLLOW_THROUGH = tuple(FollowThroughFigures.model_fields)
Referral = Mapping[str, Any]


@dataclass(frozen=True)
class Moment:
    """What the figures of `now` need beyond the counters: the referrals whose deadline fell today
    before now (at least: later ones are not overdue yet) and those submitted on a day a backlog
    boundary cuts."""

    now: datetime
    due_today: list[Referral] = field(default_factory=list)
    cut_days: list[Referral] = field(default_factory=list)


def cut_days(now: datetime) -> list[tuple[datetime, datetime]]:
    """The days in which a backlog boundary (3 and 8 days before now) falls after midnight."""
    boundaries = (now - timedelta(days=3), now - timedelta(days=8))
    return [days_of(b) for b in boundaries if days_of(b)[0] < b]


def named(tally: Mapping[str, int], prefix: str) -> dict[str, int]:
    """The counters under `prefix`, by the name after it (as the referral had it)."""
    return {unquote(key[len(prefix):]): n for key, n in tally.items() if key.startswith(prefix) and n}


def backlog(waiting_by_day: Mapping[str, int], moment: Moment) -> dict[str, int]:
    """Awaiting contact by age: a whole day's count where the day lies in one bucket, each
    referral of a day a boundary cuts by itself."""
    ages = dict.fromkeys(BACKLOG_BUCKETS, 0)
    cut = {start.date().isoformat() for start, _ in cut_days(moment.now)}
    for day, n in waiting_by_day.items():
        if day not in cut:
            ages[backlog_age(datetime.fromisoformat(day + "T00:00:00+00:00"), moment.now)] += n
    for referral in moment.cut_days:
        if awaiting_contact(referral) and referral["submitted_at"].date().isoformat() in cut:
            ages[backlog_age(referral["submitted_at"], moment.now)] += 1
    return ages


def spread(tally: Mapping[str, int], name: str) -> tuple[int, float | None, float | None]:
    buckets = histogram.buckets(name, tally)
    return (sum(n for n, _ in buckets.values()), histogram.percentile(buckets, 50),
            histogram.percentile(buckets, 90))


def first_contact(by_tier: Mapping[str, Mapping[str, int]], moment: Moment) -> dict[str, TierTimeliness]:
    """By tier, over the referrals that were due (those still open past their deadline by the
    overdue rule's days, figures/rules.overdue_count)."""
    timeliness = {}
    for tier, tally in sorted(by_tier.items()):
        clocked = [r for r in moment.due_today if str(r.get("tier")) == tier and r.get("clock_started_at")]
        due = tally.get("contact:due", 0) + overdue_count(named(tally, "contact:due_by:"), clocked, moment.now)
        if tier == NO_AGENCY or not due:
            continue
        count, median, p90 = spread(tally, "to_contact")
        within = tally.get("contact:within", 0)
        timeliness[tier] = TierTimeliness(count=count, median_hours=median, p90_hours=p90, due=due,
                                          within_standard=within, within_standard_pct=pct(within, due))
    return timeliness


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def by_source(tally: Mapping[str, int]) -> dict[str, SourceFigures]:
    sources: dict[str, dict[str, int]] = {}
    for key, n in named(tally, "source:").items():
        source, figure = key.rsplit(":", 1)
        sources.setdefault(source, dict.fromkeys(("referrals", "with_appointment", "appointments", "no_shows"), 0))
        sources[source][figure] = n
    return {source: SourceFigures(**f, no_show_rate_pct=pct(f["no_shows"], f["appointments"]),
                                  first_appointment_pct=pct(f["with_appointment"], f["referrals"]))
            for source, f in sorted(sources.items()) if f["referrals"]}


def summary(filters: Filters, by_tier: Mapping[str, Mapping[str, int]], moment: Moment,
            breaches: list[Breach]) -> Summary:
    tally: Counter[str] = Counter()
    for counts in by_tier.values():
        tally.update(counts)
    by_state = named(tally, "state:")
    linked = by_state.get(LINKED, 0)
    count, median, p90 = spread(tally, "to_acknowledge")
    funnel = {name: tally.get(f"funnel:{name}", 0) for name in
              ("sent", "acknowledged", "first_contact", "engaged", "redirects", "redirected")}
    return Summary(
        filters=filters, as_of=moment.now, volume=sum(by_state.values()) - linked, duplicates_linked=linked,
        by_state=by_state, time_to_acknowledge=Spread(count=count, median_hours=median, p90_hours=p90),
        time_to_first_contact=first_contact(by_tier, moment),
        funnel=Funnel(sent=funnel["sent"], acknowledged=funnel["acknowledged"], first_contact=funnel["first_contact"],
                      engaged=funnel["engaged"], conversion_pct=pct(funnel["engaged"], funnel["sent"])),
        closures=named(tally, "closure:"), declines_by_reason=named(tally, "decline:"),
        redirects=funnel["redirects"], redirected_referrals=funnel["redirected"],
        unknown_outcomes=tally.get("unknown", 0),
        overdue=overdue_count(named(tally, "overdue_by:"), moment.due_today, moment.now),
        unassigned=by_state.get("unassigned", 0), backlog_age=backlog(named(tally, "waiting:"), moment),
        breaches=breaches, breaches_with_reason=sum(1 for b in breaches if b.reason), by_source=by_source(tally),
        follow_through=FollowThroughFigures(**{name: tally.get(f"follow:{name}", 0) for name in FOLLOW_THROUGH}),
    )
