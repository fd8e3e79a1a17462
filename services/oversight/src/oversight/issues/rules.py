"""The issue log's rules, written once: who keeps it, and what a repeated-crisis entry is. Pure."""

from __future__ import annotations

from datetime import timedelta

from referral_contracts import RepeatedCrisis, derived_id
from service_kit.access import partnership_only
from service_kit.auth import Principal

from .models import Issue, IssueKind

ISSUE_LOG = "the partnership issue log"
CRISIS_OWNER = "partnership lead"
CRISIS_REVIEW_AFTER = timedelta(days=7)


def refusal_of_issue_log(caller: Principal) -> str | None:
    """Reading, raising and updating the partnership issue log: oversight and the triage desk."""
    return partnership_only(caller, ISSUE_LOG)


def repeated_crisis_summary(crisis_referrals: int, within_days: int) -> str:
    """What a repeated-crisis entry says: how many crisis referrals it links (no personal data)."""
    return f"{crisis_referrals} crisis referrals for the same person within {within_days} days"


def repeated_crisis_issue(flag: RepeatedCrisis) -> Issue:
    """The entry a repeated-crisis flag raises: one per run of crises, named after its first
    referral, so a later crisis of the same run links to the entry already raised; for the
    partnership lead to review within a week."""
    crises, days = flag.data.crisis_referrals, flag.data.within_days
    return Issue(issue_id=derived_id("repeated-crisis", crises[0]), kind=IssueKind.REPEATED_CRISIS,
                 summary=repeated_crisis_summary(len(crises), days), owner=CRISIS_OWNER,
                 review_date=(flag.occurred_at + CRISIS_REVIEW_AFTER).date(), linked_referrals=crises,
                 raised_by=flag.actor.agency_id, raised_at=flag.occurred_at)
