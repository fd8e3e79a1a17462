"""The partnership's learning over HTTP: the monthly quality-review sample, reviews with root causes
and corrective actions, and the partnership issue log: both for oversight and the triage desk only
(the quality-review and issue-log rules of domain/access.py); any other key is answered 403."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from referral_contracts import utc_now
from referral_contracts.policy import Policy
from service_kit.auth import KeyRegistry, Principal, principal_from, requiring
from service_kit.problems import answers

from ..adapters.learning_store import MongoLearningStore
from ..domain.access import refusal_of_issue_log, refusal_of_quality_review
from ..domain.quality import Issue, IssueRequest, IssueStatus, IssueUpdate, Month, Review, ReviewRequest, Sample
from ..service_layer.learning import NotAReviewCause, monthly_sample, record_review


class SampleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])
    seed: int = Field(default=1, ge=0, le=2**31, description="The same month and seed give the same sample.")


class Completion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    completed_by: str = Field(min_length=1, max_length=200)


class QualitySummary(BaseModel):
    root_causes_by_month: dict[str, dict[str, int]]
    open_actions: list[Review]


def learning_routes(learning: MongoLearningStore, policy: Policy, keys: KeyRegistry) -> APIRouter:
    router = APIRouter(prefix="/v1")
    authenticated = principal_from(keys)
    reviewer = requiring(refusal_of_quality_review, authenticated)
    issue_keeper = requiring(refusal_of_issue_log, authenticated)
    reviews = answers({403: "the quality review is for oversight and the triage desk only"}, body=True)
    issue_log = answers({403: "the partnership issue log is for oversight and the triage desk only"})

    @router.post("/quality/samples", response_model=Sample, responses=reviews)
    async def draw(request: SampleRequest, _: Principal = Depends(reviewer)) -> Sample:
        """The month's reproducible random sample of delayed or failed referrals, sized by policy."""
        return await monthly_sample(Month.parse(request.month), request.seed, learning=learning, policy=policy,
                                    now=utc_now())

    @router.post("/quality/reviews", response_model=Review, status_code=status.HTTP_201_CREATED, responses=reviews)
    async def review(request: ReviewRequest, _: Principal = Depends(reviewer)) -> Review:
        """A reviewed referral: root-cause tags from the policy's list, findings, a corrective action."""
        try:
            return await record_review(request, learning=learning, policy=policy, now=utc_now())
        except NotAReviewCause as problem:
            raise _invalid("root_causes", str(problem)) from None

    @router.post("/quality/reviews/{review_id}/corrective-action/complete", response_model=Review,
                 responses={**reviews, **answers({404: "no review with a corrective action by that id"})})
    async def complete(review_id: UUID, completion: Completion, _: Principal = Depends(reviewer)) -> Review:
        done = await learning.complete_action(review_id, completion.completed_by, utc_now())
        if done is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no review {review_id} with a corrective action")
        return done

    @router.get("/quality/summary", response_model=QualitySummary,
                responses=answers({403: "the quality review is for oversight and the triage desk only"}))
    async def quality_summary(_: Principal = Depends(reviewer)) -> QualitySummary:
        """Root causes month by month, and the corrective actions still open."""
        return QualitySummary(root_causes_by_month=await learning.root_causes_by_month(),
                              open_actions=await learning.open_actions())

    @router.get("/partnership-issues", response_model=list[Issue], responses=issue_log)
    async def issues(issue_status: IssueStatus | None = None, _: Principal = Depends(issue_keeper)) -> list[Issue]:
        """The partnership's shared issue log (repeated crises are raised into it automatically)."""
        return await learning.issues(issue_status)

    @router.post("/partnership-issues", response_model=Issue, status_code=status.HTTP_201_CREATED,
                 responses={**issue_log, **answers(body=True)})
    async def raise_issue(request: IssueRequest, caller: Principal = Depends(issue_keeper)) -> Issue:
        """Raise an issue into the log, as the caller's agency."""
        issue = Issue(**request.model_dump(), issue_id=uuid4(), raised_by=caller.agency_id, raised_at=utc_now())
        await learning.add_issue(issue)
        return issue

    @router.patch("/partnership-issues/{issue_id}", response_model=Issue,
                  responses={**issue_log, **answers({404: "no such issue"}, body=True)})
    async def update_issue(issue_id: UUID, update: IssueUpdate, _: Principal = Depends(issue_keeper)) -> Issue:
        """Change an issue's status, owner or review date."""
        changes = update.model_dump(mode="json", exclude_none=True)
        if not changes:
            raise _invalid("status", "nothing to change: give status, owner or review_date")
        updated = await learning.update_issue(issue_id, changes)
        if updated is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no issue {issue_id}")
        return updated

    return router


def _invalid(field: str, message: str) -> RequestValidationError:
    """A 422 shaped like every other (FastAPI's), naming the field."""
    return RequestValidationError([{"type": "value_error", "loc": ("body", field), "msg": message, "input": None}])
