"""Raising repeated crises into the issue log from tracking's `referral.repeated_crisis` flags."""

from __future__ import annotations

from referral_contracts import RepeatedCrisis

from .models import Issue
from .rules import repeated_crisis_issue, repeated_crisis_summary
from .store import IssueLog


async def note_repeated_crisis(flag: RepeatedCrisis, *, issues: IssueLog) -> Issue:
    """Raise the entry, or link the flag's referrals to the one already raised; its summary then
    says how many crisis referrals it links. Idempotent: a repeated flag links nothing new."""
    issue = await issues.raise_issue(repeated_crisis_issue(flag))
    linked, days = len(issue.linked_referrals), flag.data.within_days  # it may have been raised before, with fewer
    if issue.summary == repeated_crisis_summary(linked, days):
        return issue
    return await issues.retell(issue.issue_id, repeated_crisis_summary(linked, days), linked) or issue
