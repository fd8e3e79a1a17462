"""The summary as one aggregation pipeline over the projection: one `$match` on indexed fields,
then a `$facet` per figure (decision 0008). The database does the counting and the percentiles;
figures/store.py only names the answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from referral_contracts import EscalationStep

from .models import BACKLOG_BUCKETS, Filters
from .rules import COUNTED, OPEN, escalated, matching, missed, overdue

HOUR_MS = 3_600_000


def hours(later: str, earlier: str) -> dict[str, Any]:
    return {"$divide": [{"$subtract": [later, earlier]}, HOUR_MS]}


def spread(values: str) -> dict[str, Any]:
    return {"count": {"$sum": 1},
            "pct": {"$percentile": {"input": values, "p": [0.5, 0.9], "method": "approximate"}}}


def first_contact(now: datetime) -> list[dict[str, Any]]:
    """Time to first contact by tier (hours from the clock start), over the referrals that were due:
    contacted, or past their deadline without contact while open (`rules.missed`)."""
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
    """Consults and their follow-through; a step is overdue once its rung fired and it is still owed."""
    planned = {"$ifNull": ["$follow_through.plan_updated_at", False]}
    briefed = {"$ifNull": ["$follow_through.staff_briefed_at", False]}
    return [
        {"$match": {"follow_through": {"$ne": None}}},
        {"$group": {"_id": None, "consults": {"$sum": 1},
                    "plans_updated": {"$sum": {"$cond": [planned, 1, 0]}},
                    "staff_briefed": {"$sum": {"$cond": [briefed, 1, 0]}},
                    "plan_update_overdue": {"$sum": {"$cond": [{"$and": [
                        {"$not": [planned]}, escalated(EscalationStep.PLAN_UPDATE_OVERDUE)]}, 1, 0]}},
                    "staff_briefing_overdue": {"$sum": {"$cond": [{"$and": [
                        planned, {"$not": [briefed]}, escalated(EscalationStep.STAFF_BRIEFING_OVERDUE)]}, 1, 0]}}}},
    ]


def backlog(now: datetime) -> list[dict[str, Any]]:
    """Open referrals without a contact attempt, by completed days: "3-7 days" is under 8 days old,
    so "over 7" means 8 or more."""
    return [
        {"$match": {"state": {"$in": OPEN}, "first_contact_at": None}},
        {"$project": {"bucket": {"$switch": {"branches": [
            {"case": {"$gte": ["$submitted_at", now - timedelta(days=3)]}, "then": BACKLOG_BUCKETS[0]},
            {"case": {"$gte": ["$submitted_at", now - timedelta(days=8)]}, "then": BACKLOG_BUCKETS[1]},
        ], "default": BACKLOG_BUCKETS[2]}}}},
        {"$group": {"_id": "$bucket", "n": {"$sum": 1}}},
    ]


FUNNEL: list[dict[str, Any]] = [
    {"$match": COUNTED},
    {"$group": {"_id": None, "sent": {"$sum": 1},
                "acknowledged": {"$sum": {"$cond": [{"$ifNull": ["$acknowledged_at", False]}, 1, 0]}},
                "first_contact": {"$sum": {"$cond": [{"$ifNull": ["$first_contact_at", False]}, 1, 0]}},
                "engaged": {"$sum": {"$cond": [{"$eq": ["$closure.outcome", "engaged"]}, 1, 0]}},
                "redirects": {"$sum": "$redirects"},
                "redirected": {"$sum": {"$cond": [{"$gt": ["$redirects", 0]}, 1, 0]}}}},
]

BY_SOURCE: list[dict[str, Any]] = [
    {"$match": COUNTED},
    {"$group": {"_id": "$source_agency_id", "referrals": {"$sum": 1},
                "with_appointment": {"$sum": {"$cond": [{"$gt": ["$appointments_scheduled", 0]}, 1, 0]}},
                "appointments": {"$sum": "$appointments_scheduled"},
                "no_shows": {"$sum": "$appointments_missed"}}},
]

BREACHES: list[dict[str, Any]] = [  # every missed first-contact deadline, oldest first
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
                {"$group": {"_id": None, **spread("$h")}},
            ],
            "first_contact": first_contact(now),
            "funnel": FUNNEL,
            "closures": [{"$match": {**COUNTED, "closure": {"$ne": None}}},  # not a duplicate's `linked`
                         {"$group": {"_id": "$closure.outcome", "n": {"$sum": 1}}}],
            "declines": [{"$match": {"closure.outcome": "declined"}},
                         {"$group": {"_id": "$closure.reason_code", "n": {"$sum": 1}}}],
            "unknown": [{"$match": {"state": {"$in": OPEN}, "outcome_unknown_since": {"$ne": None}}},
                        {"$count": "n"}],
            "overdue": [{"$match": {"state": {"$in": OPEN}}},
                        {"$group": {"_id": None, "n": {"$sum": {"$cond": [overdue(now), 1, 0]}}}}],
            "backlog": backlog(now),
            "breaches": BREACHES,
            "by_source": BY_SOURCE,
            "follow_through": follow_through(),
        }},
    ]
