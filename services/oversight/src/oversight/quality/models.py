"""The monthly quality review's shapes: the month, its sample, reviews and corrective actions."""

from __future__ import annotations

from datetime import date, datetime, timezone
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class Month(BaseModel):
    """A calendar month (UTC), e.g. 2026-11: a referral belongs to the month it was submitted in."""

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


class SampleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(pattern=MONTH_PATTERN, examples=["2026-11"])
    seed: int = Field(default=1, ge=0, le=2**31, description="The same month and seed give the same sample.")


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
    month: str = Field(pattern=MONTH_PATTERN, description="The sample it was drawn in.")
    root_causes: list[str] = Field(min_length=1)
    findings: str = Field(min_length=1, max_length=5000)
    corrective_action: CorrectiveAction | None = None
    reviewer: str = Field(min_length=1, max_length=200)


class Review(ReviewRequest):
    review_id: UUID
    reviewed_at: datetime


class Completion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    completed_by: str = Field(min_length=1, max_length=200)


class QualitySummary(BaseModel):
    root_causes_by_month: dict[str, dict[str, int]]
    open_actions: list[Review]
