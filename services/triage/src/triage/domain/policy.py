"""The partnership policy: the shared triage criteria, agreed by the partners and kept in one JSON file.

It says who is accountable while no lead is assigned, when the partnership works (business calendar),
how fast each acuity tier must be contacted, which risk flags set the tier or need a warm handoff,
and which capacity statuses may still receive a referral of a given tier.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from referral_contracts.directory import Capacity
from referral_contracts.events import AcuityTier
from referral_contracts.referral import RiskFlag

_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _parse_hh_mm(value: object) -> object:
    # Only "HH:MM": pydantic's own time parsing would also take seconds, offsets and integers,
    # none of which a partnership means when it writes its opening hours.
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not _HH_MM.match(value):
        raise ValueError('expected a local time as "HH:MM"')
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


ClockTime = Annotated[time, BeforeValidator(_parse_hh_mm)]
IsoWeekday = Annotated[int, Field(ge=1, le=7, description="ISO weekday: 1 = Monday … 7 = Sunday.")]


class _PolicyModel(BaseModel):
    # A typo in a policy file must fail loudly at start-up, not silently drop a rule.
    model_config = ConfigDict(frozen=True, extra="forbid")


class WorkingHours(_PolicyModel):
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("working_hours start must be before end (no overnight shifts)")
        return self


class BusinessCalendar(_PolicyModel):
    timezone: str = Field(description="IANA time zone of the partnership, e.g. Europe/London.")
    working_days: list[IsoWeekday] = Field(min_length=1)
    working_hours: WorkingHours
    holidays: list[date] = Field(default_factory=list, description="Public holidays: never working days.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # cached by zoneinfo itself

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.working_days and day not in self.holidays


class TimeStandard(_PolicyModel):
    """How long the accountable agency has for first contact: wall-clock hours OR business days."""

    hours: int | None = Field(default=None, gt=0)
    business_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _exactly_one_unit(self) -> TimeStandard:
        if (self.hours is None) == (self.business_days is None):
            raise ValueError("a time standard has exactly one of hours or business_days")
        return self


class TierPolicy(_PolicyModel):
    risk_flags: list[RiskFlag] = Field(
        default_factory=list, description="Any of these flags puts a referral in this tier (highest tier wins)."
    )
    standard: TimeStandard
    interim_safety_actions: list[str] = Field(default_factory=list)
    accepted_capacity: list[Capacity] = Field(
        min_length=1, description="Capacity statuses that may still receive a referral of this tier."
    )


class Policy(_PolicyModel):
    triage_desk_agency_id: str = Field(
        min_length=1, description="Accountable while no lead agency is assigned."
    )
    calendar: BusinessCalendar
    tiers: dict[AcuityTier, TierPolicy]
    warm_handoff_flags: list[RiskFlag] = Field(
        default_factory=list, description="Flags for which the sender stays accountable until engagement."
    )

    @model_validator(mode="after")
    def _tiers_are_complete_and_unambiguous(self) -> Policy:
        missing = [tier.value for tier in AcuityTier if tier not in self.tiers]
        if missing:
            raise ValueError(f"every acuity tier needs a policy; missing: {', '.join(missing)}")
        if self.tiers[AcuityTier.ROUTINE].risk_flags:
            raise ValueError("routine is the tier of referrals without raising flags; it lists no risk_flags")
        seen: dict[RiskFlag, AcuityTier] = {}
        for tier, tier_policy in self.tiers.items():
            for flag in tier_policy.risk_flags:
                if flag in seen and seen[flag] is not tier:
                    raise ValueError(
                        f"risk flag {flag.value} is listed under both {seen[flag].value} and {tier.value}"
                    )
                seen[flag] = tier
        return self

    def tier(self, tier: AcuityTier) -> TierPolicy:
        return self.tiers[tier]


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; raises pydantic.ValidationError on any mistake in it."""
    return Policy.model_validate_json(Path(path).read_text(encoding="utf-8"))
