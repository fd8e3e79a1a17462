"""The roll-ups: what one referral adds to the cells it belongs to, and what changes in them when it
changes. Pure.

A referral belongs to five cells, all keyed by its tier ("-" before triage): the partnership's
(`all`, for the all-history summary and the gauges), its month and its day of submission (for any
period), its pair of source and receiving agency (`pair`, "-" while no agency leads it), and that
pair in its month (`pair_month`, for an agency's figures over a period). In each it counts the same
counters (`contribution`): flat names, so a cell is the sum of its referrals' contributions, two
cells add up key by key, and a change is the difference between the new contribution and the one the
referral made before (kept with it in the projection, so what is taken away is exactly what was added,
whatever the code counted then).

The counters named by a day (the backlog by submission day, overdue by deadline day) would make the
all-history cells grow by a key a day for good, and every write to them slower (the local store
rewrites a whole document: 11 ms at 3,000 keys against 0.7 ms at a few). So an `all` or `pair` cell
keeps the rest, and its day counters go to pages by the month of the day (`all_days`, `pair_days`):
small (a month's days at most), one per month that ever held referrals awaiting contact.

Cells are moved by `$inc` (figures/readmodels.py), never read back and rewritten: a counter brought to
zero stays at 0, and an emptied cell or page stays as zeros; every reader takes 0 for absent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from referral_contracts import ClosureOutcome, EscalationStep

from . import histogram
from .rules import LINKED, NO_AGENCY, OPEN, awaiting_contact, on_the_worklist

ALL, MONTH, DAY, PAIR, PAIR_MONTH = "all", "month", "day", "pair", "pair_month"
PAGED = {ALL: "all_days", PAIR: "pair_days"}  # all-history cells, and the kind of their day pages
BY_DAY = ("waiting:", "overdue_by:", "contact:due_by:")  # counters named by a day: "waiting:2026-04-07"
Counts = dict[str, int]


@dataclass(frozen=True)
class Cell:
    kind: str
    period: str  # "2026-04" for a month, "2026-04-07" for a day, "" for all history
    source: str  # "" where the kind is the partnership's
    receiving: str
    tier: str

    @property
    def id(self) -> str:
        return "|".join((self.kind, self.period, self.source, self.receiving, self.tier))

    @classmethod
    def parse(cls, cell_id: str) -> Cell:
        return cls(*cell_id.split("|"))


def day(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).date().isoformat()


def cells_of(referral: Mapping[str, Any]) -> list[Cell]:
    submitted, tier = referral["submitted_at"], str(referral.get("tier") or NO_AGENCY)
    source, receiving = str(referral["source_agency_id"]), str(referral.get("lead_agency_id") or NO_AGENCY)
    return [Cell(ALL, "", "", "", tier), Cell(MONTH, day(submitted)[:7], "", "", tier),
            Cell(DAY, day(submitted), "", "", tier), Cell(PAIR, "", source, receiving, tier),
            Cell(PAIR_MONTH, day(submitted)[:7], source, receiving, tier)]


def part(text: object) -> str:
    """A value inside a counter's name: the store reads "." as a path and ":" separates the parts."""
    return str(text).replace("%", "%25").replace(".", "%2E").replace(":", "%3A").replace("$", "%24")


def counter_path(key: str) -> str:
    """Where `$inc` finds a counter: one field under `c`. A "." in the name would make it a path into
    a nested document and a leading "$" is refused, so each value in a name goes through `part`;
    a name that still has either is a bug, and fails here rather than counting somewhere else."""
    if not key or "." in key or key.startswith("$"):
        raise ValueError(f"not a counter's name: {key!r}")
    return f"c.{key}"


def contribution(referral: Mapping[str, Any]) -> Counts:
    """The counters one referral adds to each of its cells (figures/summary.py names what each means)."""
    counts: Counter[str] = Counter({f"state:{referral['state']}": 1})
    if referral["state"] != LINKED:
        _counted(referral, counts)
    closure = referral.get("closure") or {}
    if closure.get("outcome") == ClosureOutcome.DECLINED and closure.get("reason_code"):
        counts[f"decline:{part(closure['reason_code'])}"] += 1
    if referral["state"] in OPEN:
        counts["unknown"] += referral.get("outcome_unknown_since") is not None
    if awaiting_contact(referral):  # the backlog by day of submission; overdue once its deadline's day is past
        counts[f"waiting:{day(referral['submitted_at'])}"] += 1
        if referral.get("contact_deadline"):
            counts[f"overdue_by:{day(referral['contact_deadline'])}"] += 1
    counts["worklist"] += on_the_worklist(referral)
    steps = [rung["step"] for rung in referral.get("escalations") or []]
    counts["breaches"] += steps.count(EscalationStep.BREACH)
    if referral.get("follow_through"):
        _follow_through(referral["follow_through"], set(steps), counts)
    return {key: n for key, n in counts.items() if n}


def _counted(referral: Mapping[str, Any], counts: Counter[str]) -> None:
    """Volumes, the funnel, closures, appointments by source and first contact."""
    counts["funnel:sent"] += 1
    if acknowledged := referral.get("acknowledged_at"):
        counts["funnel:acknowledged"] += 1
        counts.update(histogram.counts("to_acknowledge", acknowledged - referral["submitted_at"]))
    counts["funnel:first_contact"] += referral.get("first_contact_at") is not None
    if closure := referral.get("closure"):
        counts[f"closure:{closure['outcome']}"] += 1
        counts["funnel:engaged"] += closure["outcome"] == ClosureOutcome.ENGAGED
    redirects = referral.get("redirects", 0)
    counts["funnel:redirects"] += redirects
    counts["funnel:redirected"] += redirects > 0
    source, scheduled = f"source:{part(referral['source_agency_id'])}", referral.get("appointments_scheduled", 0)
    counts[f"{source}:referrals"] += 1
    counts[f"{source}:with_appointment"] += scheduled > 0
    counts[f"{source}:appointments"] += scheduled
    counts[f"{source}:no_shows"] += referral.get("appointments_missed", 0)
    if referral.get("tier") and referral.get("clock_started_at"):
        _first_contact(referral, counts)


def _first_contact(referral: Mapping[str, Any], counts: Counter[str]) -> None:
    """Time to first contact over the referrals that were due: contacted, past the deadline while
    open (by the deadline's day, as for overdue), or closed after the deadline without contact (one
    closed before its deadline was never due: counting it would lower "% within standard" for a
    standard nobody breached)."""
    contacted, deadline = referral.get("first_contact_at"), referral.get("contact_deadline")
    if contacted:
        counts["contact:due"] += 1
        counts["contact:within"] += deadline is not None and contacted <= deadline
        counts.update(histogram.counts("to_contact", contacted - referral["clock_started_at"]))
    elif deadline and referral["state"] in OPEN:
        counts[f"contact:due_by:{day(deadline)}"] += 1
    elif deadline and deadline < (referral.get("closure") or {}).get("closed_at", deadline):
        counts["contact:due"] += 1


def _follow_through(facts: Mapping[str, Any], steps: set, counts: Counter[str]) -> None:
    """A consult and its follow-through; a step is overdue once its rung fired and it is still owed."""
    planned, briefed = facts.get("plan_updated_at") is not None, facts.get("staff_briefed_at") is not None
    counts["follow:consults"] += 1
    counts["follow:plans_updated"] += planned
    counts["follow:staff_briefed"] += briefed
    counts["follow:plan_update_overdue"] += not planned and EscalationStep.PLAN_UPDATE_OVERDUE in steps
    counts["follow:staff_briefing_overdue"] += (planned and not briefed
                                               and EscalationStep.STAFF_BRIEFING_OVERDUE in steps)


def rollup(referral: Mapping[str, Any]) -> dict[str, Any]:
    """What the projection keeps with a referral: the cells it counts in and what it counts there."""
    return {"cells": [cell.id for cell in cells_of(referral)], "counts": contribution(referral)}


def placed(cell_id: str, counts: Counts) -> list[tuple[str, Counts]]:
    """Where a cell's share of a contribution is kept: whole in a cell of a period, and for an
    all-history cell its day counters on the page of their day's month, the rest in the cell."""
    cell = Cell.parse(cell_id)
    if cell.kind not in PAGED:
        return [(cell_id, counts)]
    pages: dict[str, Counts] = {}
    for key, n in counts.items():
        page = Cell(PAGED[cell.kind], key.rsplit(":", 1)[1][:7], cell.source, cell.receiving, cell.tier).id \
            if key.startswith(BY_DAY) else cell_id
        pages.setdefault(page, {})[key] = n
    return list(pages.items())


def changes(pairs: Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any]]]) -> dict[str, Counts]:
    """What changes in each cell when referrals go from the roll-up they made before (None: new) to
    their new one: the new counts added, the old taken away, zeros left out."""
    cells: dict[str, Counter[str]] = {}
    for before, after in pairs:
        for made, sign in ((before, -1), (after, 1)):
            for base in (made or {}).get("cells", []):
                for cell_id, counts in placed(base, made["counts"]):
                    cell = cells.setdefault(cell_id, Counter())
                    for key, n in counts.items():
                        cell[key] += sign * n
    changed = {cell_id: {k: n for k, n in counts.items() if n} for cell_id, counts in cells.items()}
    return {cell_id: counts for cell_id, counts in changed.items() if counts}


def add(into: Counter[str], counts: Mapping[str, int]) -> Counter[str]:
    for key, n in counts.items():
        into[key] += n
    return into
