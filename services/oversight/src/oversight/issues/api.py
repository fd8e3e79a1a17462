"""The partnership issue log over HTTP: read, raise and update entries; for oversight and the
triage desk only (rules.refusal_of_issue_log), any other key is answered 403."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, status

from referral_contracts import utc_now
from service_kit.auth import KeyRegistry, Principal, principal_from, requiring
from service_kit.problems import answers, invalid

from .models import Issue, IssueRequest, IssueStatus, IssueUpdate
from .rules import refusal_of_issue_log
from .store import IssueLog


def issue_routes(issues: IssueLog, keys: KeyRegistry) -> APIRouter:
    router = APIRouter(prefix="/v1/partnership-issues")
    keeper = requiring(refusal_of_issue_log, principal_from(keys))
    refused = answers({403: "the partnership issue log is for oversight and the triage desk only"})

    @router.get("", response_model=list[Issue], responses=refused)
    async def listed(issue_status: IssueStatus | None = None, _: Principal = Depends(keeper)) -> list[Issue]:
        """The partnership's shared issue log (repeated crises are raised into it automatically)."""
        return await issues.issues(issue_status)

    @router.post("", response_model=Issue, status_code=status.HTTP_201_CREATED,
                 responses={**refused, **answers(body=True)})
    async def raise_issue(request: IssueRequest, caller: Principal = Depends(keeper)) -> Issue:
        """Raise an issue into the log, as the caller's agency."""
        issue = Issue(**request.model_dump(), issue_id=uuid4(), raised_by=caller.agency_id, raised_at=utc_now())
        await issues.add(issue)
        return issue

    @router.patch("/{issue_id}", response_model=Issue,
                  responses={**refused, **answers({404: "no such issue"}, body=True)})
    async def update_issue(issue_id: UUID, update: IssueUpdate, _: Principal = Depends(keeper)) -> Issue:
        """Change an issue's status, owner or review date."""
        changes = update.model_dump(mode="json", exclude_none=True)
        if not changes:
            raise invalid("status", "nothing to change: give status, owner or review_date")
        updated = await issues.update(issue_id, changes)
        if updated is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no issue {issue_id}")
        return updated

    return router
