"""The monthly quality review over HTTP: the sample, reviews with root causes and corrective
actions, and their summary; for oversight and the triage desk only (rules.refusal_of_quality_review),
any other key is answered 403."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status

from referral_contracts import utc_now
from referral_contracts.policy import Policy
from service_kit.auth import KeyRegistry, Principal, principal_from, requiring
from service_kit.problems import answers, invalid

from .models import Completion, Month, QualitySummary, Review, ReviewRequest, Sample, SampleRequest
from .rules import refusal_of_quality_review
from .service import NotAReviewCause, monthly_sample, record_review
from .store import QualityStore

REFUSED = {403: "the quality review is for oversight and the triage desk only"}


def quality_routes(quality: QualityStore, policy: Policy, keys: KeyRegistry) -> APIRouter:
    router = APIRouter(prefix="/v1/quality")
    reviewer = requiring(refusal_of_quality_review, principal_from(keys))
    with_body = answers(REFUSED, body=True)

    @router.post("/samples", response_model=Sample, responses=with_body)
    async def draw(request: SampleRequest, _: Principal = Depends(reviewer)) -> Sample:
        """The month's reproducible random sample of delayed or failed referrals, sized by policy."""
        return await monthly_sample(Month.parse(request.month), request.seed, quality=quality, policy=policy,
                                    now=utc_now())

    @router.post("/reviews", response_model=Review, status_code=status.HTTP_201_CREATED, responses=with_body)
    async def review(request: ReviewRequest, _: Principal = Depends(reviewer)) -> Review:
        """A reviewed referral: root-cause tags from the policy's list, findings, a corrective action."""
        try:
            return await record_review(request, quality=quality, policy=policy, now=utc_now())
        except NotAReviewCause as problem:
            raise invalid("root_causes", str(problem)) from None

    @router.post("/reviews/{review_id}/corrective-action/complete", response_model=Review,
                 responses={**with_body, **answers({404: "no review with a corrective action by that id"})})
    async def complete(review_id: UUID, completion: Completion, _: Principal = Depends(reviewer)) -> Review:
        done = await quality.complete_action(review_id, completion.completed_by, utc_now())
        if done is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no review {review_id} with a corrective action")
        return done

    @router.get("/summary", response_model=QualitySummary, responses=answers(REFUSED))
    async def quality_summary(_: Principal = Depends(reviewer)) -> QualitySummary:
        """Root causes month by month, and the corrective actions still open."""
        return QualitySummary(root_causes_by_month=await quality.root_causes_by_month(),
                              open_actions=await quality.open_actions())

    return router
