"""What each figure means, written once: whose referrals a caller sees, and the expressions the
summary, the worklist and the /metrics gauges share (what "overdue", "missed" and "counted" are).
Pure: they build query expressions over the projection's fields (`referral.changed`'s state), never
run them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from referral_contracts import EscalationStep
from referral_contracts.changes import OPEN_STATES, LoopState
from service_kit.access import partnership_wide
from service_kit.auth import Principal

from .models import Filters

OPEN = sorted(s.value for s in OPEN_STATES)
NOT_CONTACTED = {"$not": [{"$ifNull": ["$first_contact_at", False]}]}
# Duplicates linked to another referral are counted apart (duplicates_linked), in no other figure.
COUNTED = {"state": {"$ne": LoopState.LINKED.value}}


def figures_scope(caller: Principal) -> str | None:
    """Whose referrals the figures, worklist, breach log and referral details cover: the
    partnership's (None) for oversight and the triage desk, otherwise the caller's own (sent or led)."""
    return None if partnership_wide(caller) else caller.agency_id


def overdue(now: datetime) -> dict[str, Any]:
    """The one rule for "overdue", as an expression, used by the summary, the worklist and the
    /metrics gauge (issue 15 found three copies that disagreed): open, no first contact attempted,
    and the contact deadline passed, whoever holds the referral. An unassigned referral (the triage
    desk holds it) and one waiting for a redirect to be accepted are overdue too: the person has
    waited past the standard all the same (DOMAIN.md, "overdue and unassigned referrals")."""
    return {"$and": [{"$in": ["$state", OPEN]}, NOT_CONTACTED, {"$ifNull": ["$contact_deadline", False]},
                     {"$lt": ["$contact_deadline", now]}]}


def missed(now: datetime) -> dict[str, Any]:
    """No first contact, and the deadline passed while the referral was still open (before its
    closure, or before now). One closed before its deadline (withdrawn, say) was never due: counting
    it as a miss would lower "% within standard" for a standard nobody breached."""
    return {"$and": [NOT_CONTACTED, {"$lt": ["$contact_deadline", {"$ifNull": ["$closure.closed_at", now]}]}]}


def escalated(step: EscalationStep) -> dict[str, Any]:
    """Whether a rung of `step` was fired on the referral. The steps are read with `$map` rather
    than the path `$escalations.step`: both are standard MongoDB and mean the same (the step of each
    fired rung), but SecantusDB 0.7.0b3 answers a field path through an array of documents inside
    an expression as missing, so `$in` found nothing there and plan_update_overdue stayed 0."""
    steps = {"$map": {"input": {"$ifNull": ["$escalations", []]}, "as": "rung", "in": "$$rung.step"}}
    return {"$in": [step.value, steps]}


def matching(filters: Filters) -> dict[str, Any]:
    """The referrals the filters choose: submitted in [since, until), from / to an agency, of a
    tier, and only the caller's own when it is an agency (`involving`: sent or led now)."""
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
