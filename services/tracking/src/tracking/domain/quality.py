"""Learning from failures: the monthly quality review and the partnership issue log. Pure: the
shapes, the reproducible sample, and which referrals are candidates."""

from __future__ import annotations

import random
from datetime import date, datetime, timezone
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class Month(BaseModel):
    """A calendar month (UTC), e.g. 2026-11."""

    model_config = ConfigDict(frozen=True)
    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)

    @classmethod
    def parse(cls, text: str) -> Month:
        year, _, month = text.partition("-")
        return cls(year=int(year), month=int(month))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def bounds(self) -> tuple[datetime, datetime]:
        start = datetime(self.year, self.month, 1, tzinfo=timezone.utc)
        following = datetime(self.year + self.month // 12, self.month % 12 + 1, 1, tzinfo=timezone.utc)
        return start, following


def draw_sample(candidates: list[UUID], month: Month, seed: int, size: int) -> list[UUID]:
    """The same candidates, month, seed and size always give the same referrals, in the same order."""
    ordered = sorted(candidates, key=str)
    return sorted(random.Random(f"{month}/{seed}").sample(ordered, min(size, len(ordered))), key=str)


class Sample(BaseModel):
    month: str
    seed: int
    referral_ids: list[UUID]
    candidates: int = Field(description="Delayed or failed referrals of the month it was drawn from.")
    drawn_at: datetime


class CorrectiveAction(BaseModel):
    description: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200, description="Named person accountable for it.")
    due: date
    completed_at: datetime | None = None
    completed_by: str | None = None


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    referral_id: UUID
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The sample it was drawn in.")
    root_causes: list[str] = Field(min_length=1)
    findings: str = Field(min_length=1, max_length=5000)
    corrective_action: CorrectiveAction | None = None
    reviewer: str = Field(min_length=1, max_length=200)


class Review(ReviewRequest):
    review_id: UUID
    reviewed_at: datetime


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
    raised_by: str = Field(description="An agency, or platform-tracking when raised automatically.")
    raised_at: AwareDatetime


def repeated_crisis_summary(crisis_referrals: int, within_days: int) -> str:
    """What a repeated-crisis entry says: how many crisis referrals it links (no personal data)."""
    return f"{crisis_referrals} crisis referrals for the same person within {within_days} days"


class IssueUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: IssueStatus | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    review_date: date | None = None

    @field_validator("owner")
    @classmethod
    def _named(cls, value: str | None) -> str | None:
        return value.strip() if value else value
