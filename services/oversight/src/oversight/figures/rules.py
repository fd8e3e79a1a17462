"""What each figure means, written once: whose referrals a caller sees, which referrals a figure's
filters choose, and what "overdue" is. Pure: plain functions over a referral as the projection stores
it (`referral.changed`'s state as a document), and the queries that choose the same referrals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from referral_contracts.changes import OPEN_STATES, LoopState, awaiting_first_contact
from service_kit.access import partnership_wide
from service_kit.auth import Principal

from .models import BACKLOG_BUCKETS, FOLLOW_THROUGH_ACTION, Filters

OPEN = sorted(s.value for s in OPEN_STATES)
LINKED = LoopState.LINKED.value  # a duplicate linked to another: counted apart (duplicates_linked), in no other figure
NO_AGENCY = "-"  # no lead yet (or no tier): not an agency id, which starts with a letter or digit


def figures_scope(caller: Principal) -> str | None:
    """Whose referrals the figures, worklist, breach log and referral details cover: the
    partnership's (None) for oversight and the triage desk, otherwise the caller's own (sent or led)."""
    return None if partnership_wide(caller) else caller.agency_id


def awaiting_contact(referral: Mapping[str, Any]) -> bool:
    """Open, and no first contact attempted yet: the backlog, and what may become overdue."""
    return awaiting_first_contact(referral["state"], referral.get("first_contact_at"))


def on_the_worklist(referral: Mapping[str, Any]) -> bool:
    """What the huddle reviews: open referrals, and engaged ones whose sender still owes a
    follow-through step (tracking's rule, published with the state as `next_step`)."""
    owed = (referral.get("follow_through") or {}).get("next_step")
    return referral["state"] in OPEN or owed in FOLLOW_THROUGH_ACTION


def overdue(referral: Mapping[str, Any], now: datetime) -> bool:
    """The one rule for "overdue", used by the summary, the worklist, the /metrics gauge and the
    dashboard (issue 15 found three copies that disagreed): open, no first contact attempted, and
    the contact deadline passed, whoever holds the referral. An unassigned referral (the triage desk
    holds it) and one waiting for a redirect to be accepted are overdue too: the person has waited
    past the standard all the same (DOMAIN.md, "overdue and unassigned referrals").

    The read models count the referrals that may become overdue by their deadline's day
    (figures/contribution.py), so a count is the days before today plus this rule applied to the
    referrals whose deadline falls today (`overdue_count`)."""
    deadline = referral.get("contact_deadline")
    return awaiting_contact(referral) and deadline is not None and deadline < now


def overdue_count(by_deadline_day: Mapping[str, int], due_today: list[Mapping[str, Any]], now: datetime) -> int:
    """How many are overdue at `now`: every one counted under a day before today (its deadline
    passed at the latest at midnight), and those whose deadline falls today by the rule itself."""
    today = now.date().isoformat()
    return sum(n for day, n in by_deadline_day.items() if day < today) + sum(overdue(r, now) for r in due_today)


def backlog_age(submitted_at: datetime, now: datetime) -> str:
    """The backlog's bucket of a referral awaiting contact, by completed days since submission:
    "3-7 days" is under 8 days old, so "over 7" means 8 or more."""
    if submitted_at >= now - timedelta(days=3):
        return BACKLOG_BUCKETS[0]
    return BACKLOG_BUCKETS[1] if submitted_at >= now - timedelta(days=8) else BACKLOG_BUCKETS[2]


def chooses(filters: Filters, *, source: str, lead: str, tier: str) -> bool:
    """Whether the filters choose a referral (or a roll-up cell) of this source, lead and tier; the
    period is chosen by the cells read (figures/plan.py). The same choice as `selections`."""
    if filters.source_agency_id and source != filters.source_agency_id:
        return False
    if filters.receiving_agency_id and lead != filters.receiving_agency_id:
        return False
    if filters.tier and tier != filters.tier.value:
        return False
    return not filters.involving or filters.involving in (source, lead)


def matching(filters: Filters) -> dict[str, Any]:
    """The referrals the filters choose, as one query: submitted in [since, until), from / to an
    agency, of a tier, and only the caller's own when it is an agency (`involving`: sent or led now)."""
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


def selections(filters: Filters, *, submitted: tuple[datetime | None, datetime | None] | None = None,
               deadline: tuple[datetime, datetime] | None = None) -> list[dict[str, Any]]:
    """The same choice as `matching`, as disjoint queries every MongoDB plans on an index: the
    range (`deadline`, else the submissions within `submitted` and the filters' period) comes first,
    since SecantusDB plans a filter of several ranges on its first indexed clause, and an agency's own
    referrals are two queries (sent by it; led by it and sent by another), since it scans the
    collection for a top-level `$or`."""
    query: dict[str, Any] = {}
    if deadline:
        query["contact_deadline"] = {"$gte": deadline[0], "$lt": deadline[1]}
    since, until = _within((filters.since, filters.until), submitted or (None, None))
    if since is not None and until is not None and since >= until:
        return []
    period = {k: v for k, v in (("$gte", since), ("$lt", until)) if v is not None}
    if period:
        query["submitted_at"] = period
    for field, value in (("source_agency_id", filters.source_agency_id),
                         ("lead_agency_id", filters.receiving_agency_id), ("tier", filters.tier)):
        if value:
            query[field] = getattr(value, "value", value)
    return _involving(query, filters.involving) if filters.involving else [query]


def _within(a: tuple[datetime | None, datetime | None], b: tuple[datetime | None, datetime | None]):
    starts, ends = [t for t in (a[0], b[0]) if t is not None], [t for t in (a[1], b[1]) if t is not None]
    return (max(starts) if starts else None), (min(ends) if ends else None)


def _involving(query: dict[str, Any], agency: str) -> list[dict[str, Any]]:
    source, lead = query.get("source_agency_id"), query.get("lead_agency_id")
    sent = {**query, "source_agency_id": agency} if source in (None, agency) else None
    if lead not in (None, agency) or source == agency:
        return [sent] if sent else []
    led = {**query, "lead_agency_id": agency}
    if source is None:
        led["source_agency_id"] = {"$ne": agency}
    return [q for q in (sent, led) if q]
