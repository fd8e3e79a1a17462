"""Oversight's questions as one aggregation pipeline over the referral views: the database does the
counting and the percentiles; Python only names the answers. Every stage reads plain fields the
fold keeps on each view (state, tier, agencies, step times, closure), which the indexes cover."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from referral_contracts import EscalationStep

from ..domain.model import OPEN_STATES, State
from ..domain.oversight import (
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

HOUR_MS = 3_600_000
OPEN = [s.value for s in OPEN_STATES]
NOT_CONTACTED = {"$not": [{"$ifNull": ["$first_contact_at", False]}]}
# Duplicates linked to another referral are counted apart (duplicates_linked), in no other figure.
COUNTED = {"state": {"$ne": State.LINKED.value}}


def overdue(now: datetime) -> dict[str, Any]:
    """The one rule for "overdue", as an expression, used by the summary, the worklist and the
    /metrics gauge (issue 15 found three copies that disagreed): open, no first contact attempted,
    and the contact deadline passed, whoever holds the referral. An unassigned referral (the triage
    desk holds it) and one waiting for a redirect to be accepted are overdue too: the person has
    waited past the standard all the same (DOMAIN.md, "overdue and unassigned referrals")."""
    return {"$and": [{"$in": ["$state", OPEN]}, NOT_CONTACTED, {"$ifNull": ["$contact_deadline", False]},
                     {"$lt": ["$contact_deadline", now]}]}


def _missed(now: datetime) -> dict[str, Any]:
    """No first contact, and the deadline passed while the referral was still open (before its
    closure, or before now). One closed before its deadline (withdrawn, say) was never due: counting
    it as a miss would lower "% within standard" for a standard nobody breached."""
    return {"$and": [NOT_CONTACTED, {"$lt": ["$contact_deadline", {"$ifNull": ["$closure.closed_at", now]}]}]}


def _escalated(step: EscalationStep) -> dict[str, Any]:
    """Whether a rung of `step` was fired on the referral. The steps are read with `$map` rather
    than the path `$escalations.step`: both are standard MongoDB and mean the same (the step of each
    fired rung), but SecantusDB 0.7.0b3 answers a field path through an array of documents inside
    an expression as missing, so `$in` found nothing there and plan_update_overdue stayed 0."""
    steps = {"$map": {"input": {"$ifNull": ["$escalations", []]}, "as": "rung", "in": "$$rung.step"}}
    return {"$in": [step.value, steps]}


def _match(filters: Filters) -> dict[str, Any]:
    match: dict[str, Any] = {}
    submitted = {k: v for k, v in (("$gte", filters.since), ("$lt", filters.until)) if v is not None}
    if submitted:
        match["submitted_at"] = submitted
    if filters.source_agency_id:
        match["source_agency_id"] = filters.source_agency_id
    if filters.receiving_agency_id:
        match["lead_agency_id"] = filters.receiving_agency_id
    if filters.tier:
        match["tier"] = filters.tier.value
    if filters.involving:
        match["$or"] = [{"source_agency_id": filters.involving}, {"lead_agency_id": filters.involving}]
    return match


def _hours(later: str, earlier: str) -> dict[str, Any]:
    return {"$divide": [{"$subtract": [later, earlier]}, HOUR_MS]}


def _spread(hours: str) -> dict[str, Any]:
    return {"count": {"$sum": 1},
            "pct": {"$percentile": {"input": hours, "p": [0.5, 0.9], "method": "approximate"}}}



def _first_contact(now: datetime) -> list[dict[str, Any]]:
    """Time to first contact by tier (hours from the clock start), over the referrals that were due:
    contacted, or past their deadline without contact while open (`_missed`)."""
    contacted = {"$ifNull": ["$first_contact_at", False]}
    return [
        {"$match": {**COUNTED, "tier": {"$ne": None}, "clock_started_at": {"$ne": None},
                    "$or": [{"first_contact_at": {"$ne": None}}, {"contact_deadline": {"$lt": now}}]}},
        {"$project": {"tier": 1, "contacted": {"$cond": [contacted, 1, 0]},
                      "due": {"$cond": [{"$or": [contacted, _missed(now)]}, 1, 0]},
                      "h": {"$cond": [contacted, _hours("$first_contact_at", "$clock_started_at"), None]},
                      "within": {"$cond": [{"$and": [contacted, {"$lte": ["$first_contact_at", "$contact_deadline"]}]},
                                           1, 0]}}},
        {"$match": {"due": 1}},
        {"$group": {"_id": "$tier", "due": {"$sum": 1}, "within": {"$sum": "$within"}, "count": {"$sum": "$contacted"},
                    "pct": {"$percentile": {"input": "$h", "p": [0.5, 0.9], "method": "approximate"}}}},
    ]


def _follow_through() -> list[dict[str, Any]]:
    """Consults and their follow-through; a step is overdue once its rung fired and it is still owed."""
    planned = {"$ifNull": ["$follow_through.plan_updated_at", False]}
    briefed = {"$ifNull": ["$follow_through.staff_briefed_at", False]}
    return [
        {"$match": {"follow_through": {"$ne": None}}},
        {"$group": {"_id": None, "consults": {"$sum": 1},
                    "plans_updated": {"$sum": {"$cond": [planned, 1, 0]}},
                    "staff_briefed": {"$sum": {"$cond": [briefed, 1, 0]}},
                    "plan_update_overdue": {"$sum": {"$cond": [{"$and": [
                        {"$not": [planned]}, _escalated(EscalationStep.PLAN_UPDATE_OVERDUE)]}, 1, 0]}},
                    "staff_briefing_overdue": {"$sum": {"$cond": [{"$and": [
                        planned, {"$not": [briefed]}, _escalated(EscalationStep.STAFF_BRIEFING_OVERDUE)]}, 1, 0]}}}},
    ]


def _pipeline(filters: Filters, now: datetime) -> list[dict[str, Any]]:
    no_contact_open = {"state": {"$in": OPEN}, "first_contact_at": None}
    return [
        {"$match": _match(filters)},
        {"$facet": {
            "by_state": [{"$group": {"_id": "$state", "n": {"$sum": 1}}}],
            "acknowledge": [
                {"$match": {**COUNTED, "acknowledged_at": {"$ne": None}}},
                {"$project": {"h": _hours("$acknowledged_at", "$submitted_at")}},
                {"$group": {"_id": None, **_spread("$h")}},
            ],
            "first_contact": _first_contact(now),
            "funnel": [
                {"$match": COUNTED},
                {"$group": {"_id": None, "sent": {"$sum": 1},
                            "acknowledged": {"$sum": {"$cond": [{"$ifNull": ["$acknowledged_at", False]}, 1, 0]}},
                            "first_contact": {"$sum": {"$cond": [{"$ifNull": ["$first_contact_at", False]}, 1, 0]}},
                            "engaged": {"$sum": {"$cond": [{"$eq": ["$closure.outcome", "engaged"]}, 1, 0]}},
                            "redirects": {"$sum": "$redirects"},
                            "redirected": {"$sum": {"$cond": [{"$gt": ["$redirects", 0]}, 1, 0]}}}},
            ],
            "closures": [{"$match": {**COUNTED, "closure": {"$ne": None}}},  # not a duplicate's `linked`
                         {"$group": {"_id": "$closure.outcome", "n": {"$sum": 1}}}],
            "declines": [{"$match": {"closure.outcome": "declined"}},
                         {"$group": {"_id": "$closure.reason_code", "n": {"$sum": 1}}}],
            "unknown": [{"$match": {"state": {"$in": OPEN}, "outcome_unknown_since": {"$ne": None}}},
                        {"$count": "n"}],
            "overdue": [{"$match": {"state": {"$in": OPEN}}},
                        {"$group": {"_id": None, "n": {"$sum": {"$cond": [overdue(now), 1, 0]}}}}],
            "backlog": [  # by completed days: "3-7 days" is under 8 days old, so "over 7" means 8 or more
                {"$match": no_contact_open},
                {"$project": {"bucket": {"$switch": {"branches": [
                    {"case": {"$gte": ["$submitted_at", now - timedelta(days=3)]}, "then": BACKLOG_BUCKETS[0]},
                    {"case": {"$gte": ["$submitted_at", now - timedelta(days=8)]}, "then": BACKLOG_BUCKETS[1]},
                ], "default": BACKLOG_BUCKETS[2]}}}},
                {"$group": {"_id": "$bucket", "n": {"$sum": 1}}},
            ],
            "breaches": _BREACHES,
            "by_source": [
                {"$match": COUNTED},
                {"$group": {"_id": "$source_agency_id", "referrals": {"$sum": 1},
                            "with_appointment": {"$sum": {"$cond": [{"$gt": ["$appointments_scheduled", 0]}, 1, 0]}},
                            "appointments": {"$sum": "$appointments_scheduled"},
                            "no_shows": {"$sum": "$appointments_missed"}}},
            ],
            "follow_through": _follow_through(),
        }},
    ]


_BREACHES: list[dict[str, Any]] = [  # every missed first-contact deadline, oldest first
    {"$match": {"escalations.step": "breach"}},
    {"$unwind": "$escalations"},
    {"$match": {"escalations.step": "breach"}},
    {"$project": {"_id": 0, "referral_id": "$referral_id", "tier": 1, "agency_id": "$escalations.agency_id",
                  "deadline": "$escalations.deadline", "fired_at": "$escalations.at",
                  "overdue_seconds": "$escalations.overdue_seconds",
                  "reason": "$escalations.explanation.reason_text"}},
    {"$sort": {"fired_at": 1}},
]


def _breach(row: dict[str, Any]) -> Breach:
    return Breach(referral_id=str(row["referral_id"]), agency_id=row["agency_id"], tier=row.get("tier"),
                  deadline=row.get("deadline"), fired_at=row["fired_at"],
                  overdue_hours=round(row["overdue_seconds"] / 3600, 2), reason=row.get("reason"))


async def breach_log(referrals: AsyncCollection, filters: Filters) -> list[Breach]:
    """The breach log alone (what the summary's `breaches` holds), for the CSV export."""
    cursor = await referrals.aggregate([{"$match": _match(filters)}, *_BREACHES])
    return [_breach(row) async for row in cursor]


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {str(row["_id"]): row["n"] for row in rows if row["_id"] is not None}


def _spread_of(row: dict[str, Any] | None) -> tuple[int, float | None, float | None]:
    if not row:
        return 0, None, None
    median, p90 = (row.get("pct") or [None, None])[:2]
    return row["count"], median, p90


async def summary(referrals: AsyncCollection, filters: Filters, now: datetime) -> Summary:
    [facets] = await (await referrals.aggregate(_pipeline(filters, now))).to_list()
    by_state = _counts(facets["by_state"])
    count, median, p90 = _spread_of(next(iter(facets["acknowledge"]), None))
    timeliness = {}
    for row in facets["first_contact"]:
        n, tier_median, tier_p90 = _spread_of(row)
        timeliness[str(row["_id"])] = TierTimeliness(
            count=n, median_hours=tier_median, p90_hours=tier_p90, due=row["due"], within_standard=row["within"],
            within_standard_pct=round(100 * row["within"] / row["due"], 1) if row["due"] else None)
    funnel = next(iter(facets["funnel"]), {"sent": 0, "acknowledged": 0, "first_contact": 0, "engaged": 0,
                                           "redirects": 0, "redirected": 0})
    breaches = [_breach(row) for row in facets["breaches"]]
    backlog = _counts(facets["backlog"])
    return Summary(
        filters=filters, as_of=now, volume=sum(by_state.values()) - by_state.get(State.LINKED.value, 0),
        duplicates_linked=by_state.get(State.LINKED.value, 0), by_state=by_state,
        time_to_acknowledge=Spread(count=count, median_hours=median, p90_hours=p90),
        time_to_first_contact=timeliness,
        funnel=Funnel(sent=funnel["sent"], acknowledged=funnel["acknowledged"],
                      first_contact=funnel["first_contact"], engaged=funnel["engaged"],
                      conversion_pct=round(100 * funnel["engaged"] / funnel["sent"], 1) if funnel["sent"] else None),
        closures=_counts(facets["closures"]), declines_by_reason=_counts(facets["declines"]),
        redirects=funnel["redirects"], redirected_referrals=funnel["redirected"],
        unknown_outcomes=next(iter(facets["unknown"]), {"n": 0})["n"],
        overdue=next(iter(facets["overdue"]), {"n": 0})["n"], unassigned=by_state.get(State.UNASSIGNED.value, 0),
        backlog_age={bucket: backlog.get(bucket, 0) for bucket in BACKLOG_BUCKETS},
        breaches=breaches, breaches_with_reason=sum(1 for b in breaches if b.reason),
        by_source={row["_id"]: _source(row) for row in facets["by_source"]},
        follow_through=FollowThroughFigures(**{k: v for k, v in next(iter(facets["follow_through"]), {
            "consults": 0, "plans_updated": 0, "staff_briefed": 0, "plan_update_overdue": 0,
            "staff_briefing_overdue": 0}).items() if k != "_id"}),
    )


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _source(row: dict[str, Any]) -> SourceFigures:
    return SourceFigures(referrals=row["referrals"], with_appointment=row["with_appointment"],
                         appointments=row["appointments"], no_shows=row["no_shows"],
                         no_show_rate_pct=_pct(row["no_shows"], row["appointments"]),
                         first_appointment_pct=_pct(row["with_appointment"], row["referrals"]))


def _owed(document: dict[str, Any]) -> str | None:
    """The follow-through step a stored referral still owes, if any."""
    follow = document.get("follow_through")
    if not follow:
        return None
    if follow.get("plan_updated_at") is None:
        return "plan_update"
    return "staff_briefing" if follow.get("staff_briefed_at") is None else None


async def worklist(referrals: AsyncCollection, filters: Filters, now: datetime, sort: str = "age",
                   limit: int = 500) -> list[WorklistRow]:
    """Open referrals, and engaged ones whose follow-through is not complete, oldest first
    (`sort="age"`) or most acute first (`sort="acuity"`, then age)."""
    fields = ["referral_id", "client_reference", "source_agency_id", "lead_agency_id", "owner", "tier", "state",
              "submitted_at", "last_contact_attempt_at", "contact_attempts", "contact_deadline", "first_contact_at",
              "follow_through"]
    pending = {"$or": [{"state": {"$in": OPEN}},
                       {"follow_through": {"$ne": None}, "follow_through.staff_briefed_at": None}]}
    # The acuity rank is computed in the store, so the limit keeps the most acute, not the oldest.
    rank = {"$switch": {"branches": [{"case": {"$eq": ["$tier", tier.value]}, "then": n}
                                     for tier, n in TIER_ORDER.items()], "default": len(TIER_ORDER)}}
    order = {"rank": 1, "submitted_at": 1} if sort == "acuity" else {"submitted_at": 1}
    cursor = await referrals.aggregate([
        {"$match": {"$and": [_match(filters), pending]}},
        {"$project": {**{f: 1 for f in fields}, "rank": rank, "overdue": overdue(now)}},
        {"$sort": order}, {"$limit": limit},
    ])
    return [WorklistRow(
        referral_id=str(d["referral_id"]), client_reference=d["client_reference"],
        source_agency_id=d["source_agency_id"], lead_agency_id=d.get("lead_agency_id"), owner=d.get("owner"),
        tier=d.get("tier"), state=d["state"], submitted_at=d["submitted_at"],
        age_days=round((now - d["submitted_at"]).total_seconds() / 86400, 1),
        last_attempt_at=d.get("last_contact_attempt_at"), contact_attempts=d.get("contact_attempts", 0),
        next_action=FOLLOW_THROUGH_ACTION.get(_owed(d), NEXT_ACTION.get(d["state"], "review")),
        deadline=d.get("contact_deadline") if d["state"] in OPEN else None,
        overdue=d["overdue"],
        follow_through=_owed(d),
    ) async for d in cursor]


async def live_counts(referrals: AsyncCollection, now: datetime) -> tuple[dict[tuple[str, str], int], int]:
    """Open referrals by (state, tier), and how many are overdue: for the /metrics gauges."""
    rows = await (await referrals.aggregate([
        {"$match": {"state": {"$in": OPEN}}},
        {"$group": {"_id": {"state": "$state", "tier": "$tier"}, "n": {"$sum": 1},
                    "overdue": {"$sum": {"$cond": [overdue(now), 1, 0]}}}},
    ])).to_list()
    by_state = {(row["_id"]["state"], row["_id"].get("tier") or "untriaged"): row["n"] for row in rows}
    return by_state, sum(row["overdue"] for row in rows)
