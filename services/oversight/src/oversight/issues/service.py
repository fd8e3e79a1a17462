"""Raising repeated crises into the issue log from tracking's `referral.repeated_crisis` flags."""

from __future__ import annotations

from referral_contracts import RepeatedCrisis
from service_kit.failures import RetryLater

from .models import Issue
from .rules import repeated_crisis_issue, repeated_crisis_summary
from .store import IssueLog

ATTEMPTS = 5  # flags linking to one entry at the same moment: each reads again and tries again


async def note_repeated_crisis(flag: RepeatedCrisis, *, issues: IssueLog) -> Issue:
    """Raise the entry, or link the flag's referrals to the one already raised, its summary saying
    how many crisis referrals it links, both in one write. Idempotent: a repeated flag links
    nothing new."""
    fresh = repeated_crisis_issue(flag)
    for _ in range(ATTEMPTS):
        current = await issues.get(fresh.issue_id)
        if current is None:
            if await issues.add_once(fresh):
                return fresh
            continue  # raised by another flag just now: link to it
        linked = list(dict.fromkeys([*current.linked_referrals, *fresh.linked_referrals]))
        if linked == current.linked_referrals:
            return current
        summary = repeated_crisis_summary(len(linked), flag.data.within_days)
        if (relinked := await issues.relink(current.issue_id, current.linked_referrals, linked, summary)) is not None:
            return relinked
    raise RetryLater(f"issue {fresh.issue_id} changed by other flags {ATTEMPTS} times in a row")
