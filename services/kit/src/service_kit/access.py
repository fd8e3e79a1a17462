"""Access rules about roles, each written once: pure functions of the caller (and the agency it
names), shared by every service. A rule answers None when the caller may, or the rule it breaks,
in words fit for a 403: agency ids and role names only, never data.

Rules about one referral (who has a part in it) live with the referral, in tracking's
lifecycle/access.py; who sees which figures, the quality review and the issue log in the oversight
service's concepts (figures, quality, issues: each its rules.py); `service_kit.auth.enforce` turns a
broken rule into the 403.
"""

from __future__ import annotations

from .auth import Principal, Role

PARTNERSHIP_WIDE = frozenset({Role.OVERSIGHT, Role.TRIAGE_DESK})


def partnership_wide(caller: Principal) -> bool:
    """Oversight and the triage desk read every referral and the partnership's figures."""
    return bool(caller.roles & PARTNERSHIP_WIDE)


def refusal_to_act_as(caller: Principal, agency_id: str, field: str = "actor.agency_id") -> str | None:
    """Only an agency's key acts (oversight reads and acts on nothing), and only as its own agency."""
    if not caller.has(Role.AGENCY):
        return f"{caller.agency_id}: an oversight key reads; only an agency's key acts"
    if agency_id != caller.agency_id:
        return f"{field}: a key of {caller.agency_id} acts only as {caller.agency_id}"
    return None


def refusal_to_send_as(caller: Principal, source_agency_id: str) -> str | None:
    """An agency sends only its own referrals."""
    if not caller.has(Role.AGENCY):
        return f"{caller.agency_id}: an oversight key reads; only an agency's key sends referrals"
    if source_agency_id != caller.agency_id:
        return f"source_agency_id: a key of {caller.agency_id} sends only its own referrals"
    return None


def refusal_to_change_capacity(caller: Principal, agency_id: str) -> str | None:
    """An agency changes its own services' capacity; the triage desk any agency's."""
    if agency_id != caller.agency_id and not caller.has(Role.TRIAGE_DESK):
        return (f"agency_id: a key of {caller.agency_id} changes only its own agency's capacity "
                "(the triage desk any agency's)")
    return None


def partnership_only(caller: Principal, what: str) -> str | None:
    """`what` (the quality review, the issue log) is for oversight and the triage desk only."""
    return None if partnership_wide(caller) else f"{caller.agency_id}: {what} is for oversight and the triage desk only"
