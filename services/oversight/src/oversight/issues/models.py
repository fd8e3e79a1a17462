"""The partnership issue log's shapes."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class IssueKind(StrEnum):
    MISSED_APPOINTMENTS = "missed_appointments"
    INFORMATION_GAP = "information_gap"
    REPEATED_CRISIS = "repeated_crisis"
    IMPLEMENTATION_BARRIER = "implementation_barrier"
    OTHER = "other"


class IssueStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: IssueKind
    summary: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    review_date: date
    linked_referrals: list[UUID] = Field(default_factory=list)


class Issue(IssueRequest):
    issue_id: UUID
    status: IssueStatus = IssueStatus.OPEN
    raised_by: str = Field(description="An agency, or platform-tracking when raised from tracking's flag.")
    raised_at: AwareDatetime


class IssueUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: IssueStatus | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    review_date: date | None = None

    @field_validator("owner")
    @classmethod
    def _named(cls, value: str | None) -> str | None:
        return value.strip() if value else value
