"""The huddle worklist as a read model: one small entry per referral on the worklist (open, or
engaged with follow-through owed), kept beside the projection and read by index in windows of
submission months just wide enough for the rows asked. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from referral_contracts import TIER_PRECEDENCE

from .models import FOLLOW_THROUGH_ACTION, NEXT_ACTION, WorklistRow
from .rules import OPEN, overdue

# The projection's fields a row shows or a rule reads (overdue, the backlog): the same names, so the
# rules read an entry as they read the referral.
FIELDS = ("referral_id", "client_reference", "source_agency_id", "lead_agency_id", "owner", "tier", "state",
          "submitted_at", "last_contact_attempt_at", "contact_attempts", "contact_deadline", "first_contact_at",
          "clock_started_at")
UNTRIAGED_RANK = len(TIER_PRECEDENCE)


def rank(tier: object) -> int:
    """Most acute first; a referral not triaged yet after every tier."""
    return next((n for n, t in enumerate(TIER_PRECEDENCE) if t.value == tier), UNTRIAGED_RANK)


def entry(referral: Mapping[str, Any]) -> dict[str, Any]:
    owed = (referral.get("follow_through") or {}).get("next_step")
    return {"_id": referral["referral_id"], **{f: referral.get(f) for f in FIELDS},
            "follow_through": {"next_step": owed} if owed else None, "rank": rank(referral.get("tier"))}


def order(sort: str):
    """Oldest first, or most acute first and then oldest; the id settles a tie the same way each time."""
    if sort == "acuity":
        return lambda e: (e["rank"], e["submitted_at"], str(e["referral_id"]))
    return lambda e: (e["submitted_at"], str(e["referral_id"]))


def next_window(months: list[tuple[str, int]], wanted: int) -> tuple[list[str], list[tuple[str, int]]]:
    """The first of `months` (in order, with how many entries the roll-ups count in each) that
    together hold what is still wanted, and the months after them. A window may yield fewer (the
    filters' period cuts a month, or their agency a partnership month): the caller reads on."""
    held = 0
    for n, (_, count) in enumerate(months):
        held += count
        if held >= wanted:
            return [month for month, _ in months[:n + 1]], months[n + 1:]
    return [month for month, _ in months], []


def row(entry: Mapping[str, Any], now: datetime) -> WorklistRow:
    owed = (entry.get("follow_through") or {}).get("next_step")
    is_open = entry["state"] in OPEN
    return WorklistRow(
        referral_id=str(entry["referral_id"]), client_reference=entry["client_reference"],
        source_agency_id=entry["source_agency_id"], lead_agency_id=entry.get("lead_agency_id"),
        owner=entry.get("owner"), tier=entry.get("tier"), state=entry["state"], submitted_at=entry["submitted_at"],
        age_days=round((now - entry["submitted_at"]).total_seconds() / 86400, 1),
        last_attempt_at=entry.get("last_contact_attempt_at"), contact_attempts=entry.get("contact_attempts") or 0,
        next_action=FOLLOW_THROUGH_ACTION.get(owed, NEXT_ACTION.get(entry["state"], "review")),
        deadline=entry.get("contact_deadline") if is_open else None, overdue=overdue(entry, now),
        follow_through=owed)
