"""The previous aggregation path of oversight's figures, kept only here, for `make bench` to time it
beside the read models on the same data in the same run (issue 15, point 5): each query aggregated
the whole projection per request (decision 0008's pipelines as oversight ran them before decision
0011). Not in the service's request path; the service answers from its read models."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from oversight.figures.models import BACKLOG_BUCKETS, FOLLOW_THROUGH_ACTION, Filters
from oversight.figures.rules import OPEN, matching
from referral_contracts import TIER_PRECEDENCE

HOUR_MS = 3_600_000
NOT_CONTACTED = {"$not": [{"$ifNull": ["$first_contact_at", False]}]}
COUNTED = {"state": {"$ne": "linked"}}


def overdue(now: datetime) -> dict[str, Any]:
    return {"$and": [{"$in": ["$state", OPEN]}, NOT_CONTACTED, {"$ifNull": ["$contact_deadline", False]},
                     {"$lt": ["$contact_deadline", now]}]}


def missed(now: datetime) -> dict[str, Any]:
    return {"$and": [NOT_CONTACTED, {"$lt": ["$contact_deadline", {"$ifNull": ["$closure.closed_at", now]}]}]}


def escalated(step: str) -> dict[str, Any]:
    steps = {"$map": {"input": {"$ifNull": ["$escalations", []]}, "as": "rung", "in": "$$rung.step"}}
    return {"$in": [step, steps]}


def hours(later: str, earlier: str) -> dict[str, Any]:
    return {"$divide": [{"$subtract": [later, earlier]}, HOUR_MS]}


def first_contact(now: datetime) -> list[dict[str, Any]]:
    contacted = {"$ifNull": ["$first_contact_at", False]}
    return [
        {"$match": {**COUNTED, "tier": {"$ne": None}, "clock_started_at": {"$ne": None},
                    "$or": [{"first_contact_at": {"$ne": None}}, {"contact_deadline": {"$lt": now}}]}},
        {"$project": {"tier": 1, "contacted": {"$cond": [contacted, 1, 0]},
                      "due": {"$cond": [{"$or": [contacted, missed(now)]}, 1, 0]},
                      "h": {"$cond": [contacted, hours("$first_contact_at", "$clock_started_at"), None]},
                      "within": {"$cond": [{"$and": [contacted, {"$lte": ["$first_contact_at", "$contact_deadline"]}]},
                                           1, 0]}}},
        {"$match": {"due": 1}},
        {"$group": {"_id": "$tier", "due": {"$sum": 1}, "within": {"$sum": "$within"}, "count": {"$sum": "$contacted"},
                    "pct": {"$percentile": {"input": "$h", "p": [0.5, 0.9], "method": "approximate"}}}},
    ]


def follow_through() -> list[dict[str, Any]]:
    planned = {"$ifNull": ["$follow_through.plan_updated_at", False]}
    briefed = {"$ifNull": ["$follow_through.staff_briefed_at", False]}
    return [
        {"$match": {"follow_through": {"$ne": None}}},
        {"$group": {"_id": None, "consults": {"$sum": 1},
                    "plans_updated": {"$sum": {"$cond": [planned, 1, 0]}},
                    "staff_briefed": {"$sum": {"$cond": [briefed, 1, 0]}},
                    "plan_update_overdue": {"$sum": {"$cond": [{"$and": [
                        {"$not": [planned]}, escalated("plan_update_overdue")]}, 1, 0]}},
                    "staff_briefing_overdue": {"$sum": {"$cond": [{"$and": [
                        planned, {"$not": [briefed]}, escalated("staff_briefing_overdue")]}, 1, 0]}}}},
    ]


def backlog(now: datetime) -> list[dict[str, Any]]:
    return [
        {"$match": {"state": {"$in": OPEN}, "first_contact_at": None}},
        {"$project": {"bucket": {"$switch": {"branches": [
            {"case": {"$gte": ["$submitted_at", now - timedelta(days=3)]}, "then": BACKLOG_BUCKETS[0]},
            {"case": {"$gte": ["$submitted_at", now - timedelta(days=8)]}, "then": BACKLOG_BUCKETS[1]},
        ], "default": BACKLOG_BUCKETS[2]}}}},
        {"$group": {"_id": "$bucket", "n": {"$sum": 1}}},
    ]


BREACHES: list[dict[str, Any]] = [
    {"$match": {"escalations.step": "breach"}},
    {"$unwind": "$escalations"},
    {"$match": {"escalations.step": "breach"}},
    {"$project": {"_id": 0, "referral_id": "$referral_id", "tier": 1, "agency_id": "$escalations.agency_id",
                  "deadline": "$escalations.deadline", "fired_at": "$escalations.at",
                  "overdue_seconds": "$escalations.overdue_seconds", "reason": "$escalations.reason_text"}},
    {"$sort": {"fired_at": 1}},
]


def summary_pipeline(filters: Filters, now: datetime) -> list[dict[str, Any]]:
    return [
        {"$match": matching(filters)},
        {"$facet": {
            "by_state": [{"$group": {"_id": "$state", "n": {"$sum": 1}}}],
            "acknowledge": [
                {"$match": {**COUNTED, "acknowledged_at": {"$ne": None}}},
                {"$project": {"h": hours("$acknowledged_at", "$submitted_at")}},
                {"$group": {"_id": None, "count": {"$sum": 1},
                            "pct": {"$percentile": {"input": "$h", "p": [0.5, 0.9], "method": "approximate"}}}},
            ],
            "first_contact": first_contact(now),
            "funnel": [{"$match": COUNTED}, {"$group": {
                "_id": None, "sent": {"$sum": 1},
                "acknowledged": {"$sum": {"$cond": [{"$ifNull": ["$acknowledged_at", False]}, 1, 0]}},
                "first_contact": {"$sum": {"$cond": [{"$ifNull": ["$first_contact_at", False]}, 1, 0]}},
                "engaged": {"$sum": {"$cond": [{"$eq": ["$closure.outcome", "engaged"]}, 1, 0]}},
                "redirects": {"$sum": "$redirects"}, "redirected": {"$sum": {"$cond": [{"$gt": ["$redirects", 0]}, 1, 0]}}}}],
            "closures": [{"$match": {**COUNTED, "closure": {"$ne": None}}},
                         {"$group": {"_id": "$closure.outcome", "n": {"$sum": 1}}}],
            "declines": [{"$match": {"closure.outcome": "declined"}},
                         {"$group": {"_id": "$closure.reason_code", "n": {"$sum": 1}}}],
            "unknown": [{"$match": {"state": {"$in": OPEN}, "outcome_unknown_since": {"$ne": None}}}, {"$count": "n"}],
            "overdue": [{"$match": {"state": {"$in": OPEN}}},
                        {"$group": {"_id": None, "n": {"$sum": {"$cond": [overdue(now), 1, 0]}}}}],
            "backlog": backlog(now),
            "breaches": BREACHES,
            "by_source": [{"$match": COUNTED}, {"$group": {
                "_id": "$source_agency_id", "referrals": {"$sum": 1},
                "with_appointment": {"$sum": {"$cond": [{"$gt": ["$appointments_scheduled", 0]}, 1, 0]}},
                "appointments": {"$sum": "$appointments_scheduled"}, "no_shows": {"$sum": "$appointments_missed"}}}],
            "follow_through": follow_through(),
        }},
    ]


async def summary(referrals, filters: Filters, now: datetime) -> dict[str, Any]:
    """The summary's facets, as the previous path computed them (named by the service from these)."""
    [facets] = await (await referrals.aggregate(summary_pipeline(filters, now))).to_list()
    return facets


async def breach_log(referrals, filters: Filters) -> list[dict[str, Any]]:
    return await (await referrals.aggregate([{"$match": matching(filters)}, *BREACHES])).to_list()


async def worklist(referrals, filters: Filters, now: datetime, sort: str = "age", limit: int = 500) -> list[dict]:
    pending = {"$or": [{"state": {"$in": OPEN}}, {"follow_through.next_step": {"$in": list(FOLLOW_THROUGH_ACTION)}}]}
    rank = {"$switch": {"branches": [{"case": {"$eq": ["$tier", tier.value]}, "then": n}
                                     for n, tier in enumerate(TIER_PRECEDENCE)], "default": len(TIER_PRECEDENCE)}}
    order = {"rank": 1, "submitted_at": 1} if sort == "acuity" else {"submitted_at": 1}
    return await (await referrals.aggregate([
        {"$match": {"$and": [matching(filters), pending]}},
        {"$project": {"referral_id": 1, "tier": 1, "state": 1, "submitted_at": 1, "contact_deadline": 1,
                      "rank": rank, "overdue": overdue(now)}},
        {"$sort": order}, {"$limit": limit},
    ])).to_list()


async def live_counts(referrals, now: datetime) -> tuple[dict[tuple[str, str], int], int]:
    rows = await (await referrals.aggregate([
        {"$match": {"state": {"$in": OPEN}}},
        {"$group": {"_id": {"state": "$state", "tier": "$tier"}, "n": {"$sum": 1},
                    "overdue": {"$sum": {"$cond": [overdue(now), 1, 0]}}}},
    ])).to_list()
    by_state = {(row["_id"]["state"], row["_id"].get("tier") or "untriaged"): row["n"] for row in rows}
    return by_state, sum(row["overdue"] for row in rows)
