"""The partnership learning from its failures: the monthly review sample, reviews with corrective
actions, and repeated crises raised into the issue log."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4

from referral_contracts import AcuityTier, ReferralSubmitted, ReferralTriaged, derived_id
from referral_contracts.policy import Policy

from ..adapters.learning_store import MongoLearningStore
from ..adapters.referral_store import ReferralStore
from ..domain.deadlines import TRACKING
from ..domain.duplicates import person_key
from ..domain.model import ReferralView
from ..domain.quality import (
    Issue,
    IssueKind,
    Month,
    Review,
    ReviewRequest,
    Sample,
    draw_sample,
    repeated_crisis_summary,
)

CRISIS_TIERS = frozenset({AcuityTier.URGENT, AcuityTier.CRISIS_FOLLOW_UP})


class NotAReviewCause(ValueError):
    """A root-cause tag the partnership's policy does not list."""


async def monthly_sample(month: Month, seed: int, *, learning: MongoLearningStore, policy: Policy,
                         now: datetime) -> Sample:
    """The month's sample of delayed or failed referrals; the same month and seed give the same one."""
    kept = await learning.sample(month, seed)
    if kept is not None:
        return kept
    candidates = await learning.review_candidates(month)
    drawn = draw_sample(candidates, month, seed, policy.quality_review.sample_size)
    return await learning.keep_sample(Sample(month=str(month), seed=seed, referral_ids=drawn,
                                             candidates=len(candidates), drawn_at=now))


async def record_review(request: ReviewRequest, *, learning: MongoLearningStore, policy: Policy,
                        now: datetime) -> Review:
    unknown = [c for c in request.root_causes if c not in policy.quality_review.root_causes]
    if unknown:
        raise NotAReviewCause(f"root_causes: {', '.join(unknown)} not in the policy's list "
                              f"({', '.join(policy.quality_review.root_causes)})")
    review = Review(**request.model_dump(), review_id=uuid4(), reviewed_at=now)
    await learning.add_review(review)
    return review


async def note_crisis(event: ReferralTriaged, view: ReferralView | None, *, store: ReferralStore,
                      learning: MongoLearningStore, policy: Policy) -> Issue | None:
    """A crisis referral for a person with another one within the policy's window raises (or adds
    to) a repeated-crisis entry in the partnership's issue log, whose summary then says how many
    crisis referrals it links."""
    if view is None or event.data.reroute_of is not None or event.data.tier not in CRISIS_TIERS:
        return None
    first = next(e for e in await store.events_for(view.referral_id) if isinstance(e, ReferralSubmitted))
    person = person_key(first.data)
    await learning.remember_crisis(person, view.referral_id, view.submitted_at)
    window = timedelta(days=policy.issue_log.repeated_crisis_within_days)
    crises = await learning.crises_of(person, since=view.submitted_at - window)
    if len(crises) < 2:
        return None
    days = policy.issue_log.repeated_crisis_within_days
    issue = await learning.raise_issue(Issue(
        issue_id=derived_id(person, "repeated-crisis", crises[0]), kind=IssueKind.REPEATED_CRISIS,
        summary=repeated_crisis_summary(len(crises), days),
        owner="partnership lead", review_date=date.fromordinal(view.submitted_at.date().toordinal() + 7),
        linked_referrals=crises, raised_by=TRACKING.agency_id, raised_at=view.submitted_at,
    ))
    linked = len(issue.linked_referrals)  # the entry may have been raised before, with fewer
    if issue.summary == repeated_crisis_summary(linked, days):
        return issue
    return await learning.retell_issue(issue.issue_id, repeated_crisis_summary(linked, days), linked) or issue
