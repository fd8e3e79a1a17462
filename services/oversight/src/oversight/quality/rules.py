"""The quality review's rules, written once: who may take part, which referrals are candidates, the
reproducible sample and the root causes a review may name. Pure."""

from __future__ import annotations

import random
from typing import Any
from uuid import UUID

from referral_contracts import ClosureOutcome, EscalationStep
from referral_contracts.policy import Policy
from service_kit.access import partnership_only
from service_kit.auth import Principal

from .models import Month, ReviewRequest

QUALITY_REVIEW = "the quality review"


def refusal_of_quality_review(caller: Principal) -> str | None:
    """Samples, reviews, corrective actions and their summary: oversight and the triage desk."""
    return partnership_only(caller, QUALITY_REVIEW)


def candidates(month: Month) -> dict[str, Any]:
    """The month's delayed or failed referrals, as a query on the projection: submitted in the
    month and breached, flagged with an unknown outcome, or declined before any contact."""
    start, end = month.bounds()
    return {"submitted_at": {"$gte": start, "$lt": end}, "$or": [
        {"escalations.step": EscalationStep.BREACH.value}, {"outcome_unknown_since": {"$ne": None}},
        {"closure.outcome": ClosureOutcome.DECLINED.value, "first_contact_at": None}]}


def draw_sample(found: list[UUID], month: Month, seed: int, size: int) -> list[UUID]:
    """The same candidates, month, seed and size always give the same referrals, in the same order."""
    ordered = sorted(found, key=str)
    return sorted(random.Random(f"{month}/{seed}").sample(ordered, min(size, len(ordered))), key=str)


def unlisted_causes(request: ReviewRequest, policy: Policy) -> list[str]:
    """Root-cause tags the partnership's policy does not list (a review names only listed ones)."""
    return [cause for cause in request.root_causes if cause not in policy.quality_review.root_causes]
