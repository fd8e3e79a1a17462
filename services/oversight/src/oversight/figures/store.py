"""Oversight's questions answered from the projection (one document per referral, the latest
`referral.changed` state): the summary, the breach log, the huddle worklist and the /metrics counts.
Every query reads plain fields the projection keeps, which its indexes cover (referrals/store.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from referral_contracts.changes import LoopState

from .models import (
    BACKLOG_BUCKETS,
    FOLLOW_THROUGH_ACTION,
    NEXT_ACTION,
    TIER_ORDER,
    Breach,
    Filters,
    FollowThroughFigures,
    Funnel,
    SourceFigures,
    Spread,
    Summary,
    TierTimeliness,
    WorklistRow,
)
from .pipeline import BREACHES, summary_pipeline
from .rules import OPEN, matching, overdue

NO_FUNNEL = {"sent": 0, "acknowledged": 0, "first_contact": 0, "engaged": 0, "redirects": 0, "redirected": 0}
NO_FOLLOW_THROUGH = {"consults": 0, "plans_updated": 0, "staff_briefed": 0, "plan_update_overdue": 0,
                     "staff_briefing_overdue": 0}
WORKLIST_FIELDS = ("referral_id", "client_reference", "source_agency_id", "lead_agency_id", "owner", "tier", "state",
                   "submitted_at", "last_contact_attempt_at", "contact_attempts", "contact_deadline",
                   "first_contact_at", "follow_through")


def _breach(row: dict[str, Any]) -> Breach:
    return Breach(referral_id=str(row["referral_id"]), agency_id=row["agency_id"], tier=row.get("tier"),
                  deadline=row.get("deadline"), fired_at=row["fired_at"],
                  overdue_hours=round(row["overdue_seconds"] / 3600, 2), reason=row.get("reason"))


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {str(row["_id"]): row["n"] for row in rows if row["_id"] is not None}


def _spread_of(row: dict[str, Any] | None) -> tuple[int, float | None, float | None]:
    if not row:
        return 0, None, None
    median, p90 = (row.get("pct") or [None, None])[:2]
    return row["count"], median, p90


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _source(row: dict[str, Any]) -> SourceFigures:
    return SourceFigures(referrals=row["referrals"], with_appointment=row["with_appointment"],
                         appointments=row["appointments"], no_shows=row["no_shows"],
                         no_show_rate_pct=_pct(row["no_shows"], row["appointments"]),
                         first_appointment_pct=_pct(row["with_appointment"], row["referrals"]))


def _timeliness(rows: list[dict[str, Any]]) -> dict[str, TierTimeliness]:
    timeliness = {}
    for row in rows:
        count, median, p90 = _spread_of(row)
        timeliness[str(row["_id"])] = TierTimeliness(
            count=count, median_hours=median, p90_hours=p90, due=row["due"], within_standard=row["within"],
            within_standard_pct=_pct(row["within"], row["due"]))
    return timeliness


def _first(rows: list[dict[str, Any]], default: dict[str, Any]) -> dict[str, Any]:
    return next(iter(rows), default)


class FiguresStore:
    def __init__(self, referrals: AsyncCollection) -> None:
        self._referrals = referrals

    async def summary(self, filters: Filters, now: datetime) -> Summary:
        [facets] = await (await self._referrals.aggregate(summary_pipeline(filters, now))).to_list()
        by_state = _counts(facets["by_state"])
        count, median, p90 = _spread_of(_first(facets["acknowledge"], {}))
        funnel = _first(facets["funnel"], NO_FUNNEL)
        breaches = [_breach(row) for row in facets["breaches"]]
        backlog = _counts(facets["backlog"])
        linked = by_state.get(LoopState.LINKED.value, 0)
        return Summary(
            filters=filters, as_of=now, volume=sum(by_state.values()) - linked, duplicates_linked=linked,
            by_state=by_state, time_to_acknowledge=Spread(count=count, median_hours=median, p90_hours=p90),
            time_to_first_contact=_timeliness(facets["first_contact"]),
            funnel=Funnel(sent=funnel["sent"], acknowledged=funnel["acknowledged"],
                          first_contact=funnel["first_contact"], engaged=funnel["engaged"],
                          conversion_pct=_pct(funnel["engaged"], funnel["sent"])),
            closures=_counts(facets["closures"]), declines_by_reason=_counts(facets["declines"]),
            redirects=funnel["redirects"], redirected_referrals=funnel["redirected"],
            unknown_outcomes=_first(facets["unknown"], {"n": 0})["n"],
            overdue=_first(facets["overdue"], {"n": 0})["n"], unassigned=by_state.get(LoopState.UNASSIGNED.value, 0),
            backlog_age={bucket: backlog.get(bucket, 0) for bucket in BACKLOG_BUCKETS},
            breaches=breaches, breaches_with_reason=sum(1 for b in breaches if b.reason),
            by_source={row["_id"]: _source(row) for row in facets["by_source"]},
            follow_through=FollowThroughFigures(**{k: v for k, v in _first(
                facets["follow_through"], NO_FOLLOW_THROUGH).items() if k != "_id"}),
        )

    async def breach_log(self, filters: Filters) -> list[Breach]:
        """The breach log alone (what the summary's `breaches` holds), for the CSV export."""
        cursor = await self._referrals.aggregate([{"$match": matching(filters)}, *BREACHES])
        return [_breach(row) async for row in cursor]

    async def worklist(self, filters: Filters, now: datetime, sort: str = "age", limit: int = 500) -> list[WorklistRow]:
        """Open referrals, and engaged ones whose follow-through is not complete, oldest first
        (`sort="age"`) or most acute first (`sort="acuity"`, then age)."""
        # The sender's next follow-through step is tracking's rule, published with the state.
        pending = {"$or": [{"state": {"$in": OPEN}},
                           {"follow_through.next_step": {"$in": list(FOLLOW_THROUGH_ACTION)}}]}
        # The acuity rank is computed in the store, so the limit keeps the most acute, not the oldest.
        rank = {"$switch": {"branches": [{"case": {"$eq": ["$tier", tier.value]}, "then": n}
                                         for tier, n in TIER_ORDER.items()], "default": len(TIER_ORDER)}}
        order = {"rank": 1, "submitted_at": 1} if sort == "acuity" else {"submitted_at": 1}
        cursor = await self._referrals.aggregate([
            {"$match": {"$and": [matching(filters), pending]}},
            {"$project": {**{f: 1 for f in WORKLIST_FIELDS}, "rank": rank, "overdue": overdue(now)}},
            {"$sort": order}, {"$limit": limit},
        ])
        return [_row(d, now) async for d in cursor]

    async def live_counts(self, now: datetime) -> tuple[dict[tuple[str, str], int], int]:
        """Open referrals by (state, tier), and how many are overdue: for the /metrics gauges."""
        rows = await (await self._referrals.aggregate([
            {"$match": {"state": {"$in": OPEN}}},
            {"$group": {"_id": {"state": "$state", "tier": "$tier"}, "n": {"$sum": 1},
                        "overdue": {"$sum": {"$cond": [overdue(now), 1, 0]}}}},
        ])).to_list()
        by_state = {(row["_id"]["state"], row["_id"].get("tier") or "untriaged"): row["n"] for row in rows}
        return by_state, sum(row["overdue"] for row in rows)


def _row(d: dict[str, Any], now: datetime) -> WorklistRow:
    owed = (d.get("follow_through") or {}).get("next_step")
    is_open = d["state"] in OPEN
    return WorklistRow(
        referral_id=str(d["referral_id"]), client_reference=d["client_reference"],
        source_agency_id=d["source_agency_id"], lead_agency_id=d.get("lead_agency_id"), owner=d.get("owner"),
        tier=d.get("tier"), state=d["state"], submitted_at=d["submitted_at"],
        age_days=round((now - d["submitted_at"]).total_seconds() / 86400, 1),
        last_attempt_at=d.get("last_contact_attempt_at"), contact_attempts=d.get("contact_attempts", 0),
        next_action=FOLLOW_THROUGH_ACTION.get(owed, NEXT_ACTION.get(d["state"], "review")),
        deadline=d.get("contact_deadline") if is_open else None, overdue=d["overdue"], follow_through=owed)
