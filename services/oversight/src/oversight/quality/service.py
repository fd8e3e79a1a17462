"""The quality review's use cases: the month's sample, drawn once, and a review checked against the
partnership's root causes."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from referral_contracts.policy import Policy

from .models import Month, Review, ReviewRequest, Sample
from .rules import draw_sample, unlisted_causes
from .store import QualityStore


class NotAReviewCause(ValueError):
    """A root-cause tag the partnership's policy does not list."""


async def monthly_sample(month: Month, seed: int, *, quality: QualityStore, policy: Policy, now: datetime) -> Sample:
    """The month's sample of delayed or failed referrals; the same month and seed give the same one."""
    kept = await quality.sample(month, seed)
    if kept is not None:
        return kept
    found = await quality.candidates(month)
    drawn = draw_sample(found, month, seed, policy.quality_review.sample_size)
    return await quality.keep_sample(Sample(month=str(month), seed=seed, referral_ids=drawn,
                                            candidates=len(found), drawn_at=now))


async def record_review(request: ReviewRequest, *, quality: QualityStore, policy: Policy, now: datetime) -> Review:
    if unknown := unlisted_causes(request, policy):
        raise NotAReviewCause(f"root_causes: {', '.join(unknown)} not in the policy's list "
                              f"({', '.join(policy.quality_review.root_causes)})")
    review = Review(**request.model_dump(), review_id=uuid4(), reviewed_at=now)
    await quality.add_review(review)
    return review
