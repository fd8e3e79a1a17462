"""The partnership's business calendar and the deadlines measured on it.

Shared by triage (contact deadlines, clarification requests) and tracking (reminders, breaches,
escalations in working hours), so both compute business time exactly alike.

Two kinds of time standard (DOMAIN.md, "Time standards"):

- **hours** (urgent, crisis follow-up) run on the wall clock, 24/7: "within 4 hours" means 4 real
  hours later, nights, weekends and holidays included. The arithmetic is done in UTC, so across a
  daylight-saving change the deadline is still exactly N elapsed hours after the start.
- **business_days** (priority, routine): "within N business days" means by the END of working hours
  of the Nth working day after the clock-start day, in the partnership's time zone. Working
  days are the configured weekdays minus public holidays (from the `holidays` package for the
  partnership's country and subdivision) and `extra_holidays`.

Which day is the clock-start day is the partnership's choice (`calendar.business_days_count_from`,
`BusinessDayCount`); this module is its one home:

- `start_date` (the default, what people count on a calendar): the local date the clock started,
  whatever the hour and whether or not it is a working day; the next working day is day 1. A
  referral triaged on Friday at 16:00, on Friday at 18:00, on Saturday or on Sunday with a 5-day
  standard is due the next Friday at 17:00: each gets five whole working days, and a start on a
  non-working day is due exactly when one on the working day before it is (Thanksgiving: as on
  the Wednesday before).
- `next_working_day` (as court rules deem service after hours): a start at or after closing, or on
  a non-working day, counts as made on the next working day, which is day 0: Friday 18:00 and
  Saturday are then due the Monday after next, one working day more.

No clock is read here: the start is always passed in.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

_ONE_DAY = timedelta(days=1)
_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_WEEKDAYS = {name: number for number, names in enumerate(
    (("mon", "monday"), ("tue", "tuesday"), ("wed", "wednesday"), ("thu", "thursday"),
     ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday")), start=1) for name in names}


def _parse_hh_mm(value: object) -> object:
    # Only "HH:MM": pydantic's own time parsing would also take seconds, offsets and integers,
    # none of which a partnership means when it writes its opening hours.
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not _HH_MM.match(value):
        raise ValueError('expected a local time as "HH:MM"')
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _parse_weekday(value: object) -> object:
    # "mon" / "Monday" read better in a policy file than ISO numbers; both are accepted.
    if isinstance(value, str) and value.strip().lower() in _WEEKDAYS:
        return _WEEKDAYS[value.strip().lower()]
    return value


ClockTime = Annotated[time, BeforeValidator(_parse_hh_mm)]
IsoWeekday = Annotated[
    int, BeforeValidator(_parse_weekday),
    Field(ge=1, le=7, description="ISO weekday 1 = Monday … 7 = Sunday, or its name (mon, monday)."),
]


class PolicyModel(BaseModel):
    # A typo in a policy file must fail loudly at start-up, not silently drop a rule.
    model_config = ConfigDict(frozen=True, extra="forbid")


class WorkingHours(PolicyModel):
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("working_hours start must be before end (no overnight shifts)")
        return self


@lru_cache(maxsize=None)
def _public_holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    # One table per (country, subdivision); it fills in each year the first time a day of that
    # year is asked about, so no year range has to be configured.
    return holidays.country_holidays(country, subdiv=subdivision)


class BusinessDayCount(StrEnum):
    """Which day a business-day standard counts from (see the module docstring)."""

    START_DATE = "start_date"  # the local date the clock started: the next working day is day 1
    NEXT_WORKING_DAY = "next_working_day"  # after closing or on a non-working day: the next working day is day 0


class BusinessCalendar(PolicyModel):
    timezone: str = Field(description="IANA time zone of the partnership, e.g. Europe/London.")
    working_days: list[IsoWeekday] = Field(min_length=1)
    working_hours: WorkingHours
    country: str = Field(description="ISO 3166-1 alpha-2 code whose public holidays apply, e.g. GB.")
    subdivision: str | None = Field(default=None, description="Its subdivision, e.g. ENG for England.")
    extra_holidays: list[date] = Field(
        default_factory=list, description="Further non-working days (local closures), beyond the public ones."
    )
    business_days_count_from: BusinessDayCount = Field(
        default=BusinessDayCount.START_DATE,
        description="start_date: the Nth working day after the local date the clock started, whatever the hour; "
                    "next_working_day: a start after closing or on a non-working day counts from the next working day.",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_hand_listed_holidays(cls, data: Any) -> Any:
        if isinstance(data, dict) and "holidays" in data:
            raise ValueError(
                "holidays are no longer listed by hand: set country (and subdivision) for public "
                "holidays, and extra_holidays for any further closures"
            )
        return data

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value not in holidays.list_supported_countries():
            raise ValueError(f"no public holidays known for country {value!r} (expected e.g. GB, US, DE)")
        return value

    @model_validator(mode="after")
    def _known_subdivision(self) -> BusinessCalendar:
        known = holidays.list_supported_countries()[self.country]
        if self.subdivision is not None and self.subdivision not in known:
            raise ValueError(
                f"subdivision {self.subdivision!r} is not one of {self.country}'s: {', '.join(known)}"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # cached by zoneinfo itself

    def is_holiday(self, day: date) -> bool:
        return day in self.extra_holidays or day in _public_holidays(self.country, self.subdivision)

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.working_days and not self.is_holiday(day)


class TimeStandard(PolicyModel):
    """How long the accountable agency has for first contact: wall-clock hours (or minutes, for
    short test policies) OR business days."""

    hours: int | None = Field(default=None, gt=0)
    minutes: int | None = Field(default=None, gt=0)
    business_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _exactly_one_unit(self) -> TimeStandard:
        if sum(unit is not None for unit in (self.hours, self.minutes, self.business_days)) != 1:
            raise ValueError("a time standard has exactly one of hours, minutes or business_days")
        return self

    def describe(self) -> str:
        if self.hours is not None:
            return f"within {self.hours} hours (wall clock)"
        if self.minutes is not None:
            return f"within {self.minutes} minutes (wall clock)"
        return f"within {self.business_days} business days (by close of working hours)"


def deadline(start: datetime, standard: TimeStandard, calendar: BusinessCalendar) -> datetime:
    """The moment first contact is due, in UTC, for a clock started at `start` (an aware datetime)."""
    _require_aware(start)
    if standard.hours is not None or standard.minutes is not None:
        return start.astimezone(timezone.utc) + timedelta(hours=standard.hours or 0, minutes=standard.minutes or 0)
    assert standard.business_days is not None  # TimeStandard guarantees exactly one unit
    due_day = nth_working_day_after(clock_start_day(start, calendar), standard.business_days, calendar)
    return end_of_working_day(due_day, calendar)


def close_of_business(start: datetime, calendar: BusinessCalendar) -> datetime:
    """The end of working hours of the working day `start` falls in (the next working day's, when
    `start` is at or after closing or on a non-working day): when a same-day request is due."""
    return end_of_working_day(working_day_of(start, calendar), calendar)


def clock_start_day(start: datetime, calendar: BusinessCalendar) -> date:
    """Day 0 of a business-day count, as the partnership's `business_days_count_from` says (see the
    module docstring); the deadline is the close of the Nth working day after it."""
    _require_aware(start)
    if calendar.business_days_count_from is BusinessDayCount.START_DATE:
        return start.astimezone(calendar.zone).date()
    return working_day_of(start, calendar)


def working_day_of(start: datetime, calendar: BusinessCalendar) -> date:
    """The working day of the next working moment: `start`'s own day before closing on a working
    day, else the next working day."""
    _require_aware(start)
    local = start.astimezone(calendar.zone)
    day = local.date()
    if calendar.is_working_day(day) and local.time() < calendar.working_hours.end:
        return day
    return next_working_day(day, calendar)


def next_working_day(day: date, calendar: BusinessCalendar) -> date:
    """The first working day strictly after `day`."""
    # Terminates: working_days is never empty and no year is all holidays.
    day += _ONE_DAY
    while not calendar.is_working_day(day):
        day += _ONE_DAY
    return day


def nth_working_day_after(day: date, n: int, calendar: BusinessCalendar) -> date:
    if n < 1:
        raise ValueError("n must be at least 1")
    for _ in range(n):
        day = next_working_day(day, calendar)
    return day


def end_of_working_day(day: date, calendar: BusinessCalendar) -> datetime:
    """Closing time of `day` in the partnership's zone, as UTC.

    zoneinfo applies the offset in force on that date, so a deadline after a DST change lands on
    17:00 local, not 17:00 of the offset the clock started in.
    """
    local_close = datetime.combine(day, calendar.working_hours.end, tzinfo=calendar.zone)
    return local_close.astimezone(timezone.utc)


def _require_aware(moment: datetime) -> None:
    # A naive time would be silently read as the server's zone: the classic off-by-an-hour breach.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware")


def within_working_hours(moment: datetime, calendar: BusinessCalendar) -> datetime:
    """`moment` if it falls in working hours, else when working hours next begin (UTC): routine
    escalations wait for the morning instead of waking someone at 3 a.m."""
    _require_aware(moment)
    local = moment.astimezone(calendar.zone)
    day, hours = local.date(), calendar.working_hours
    # Closing time counts as within: a deadline "by close of business" breaches at closing.
    if calendar.is_working_day(day) and hours.start <= local.time() <= hours.end:
        return moment.astimezone(timezone.utc)
    if not (calendar.is_working_day(day) and local.time() < hours.start):
        day = next_working_day(day, calendar)
    return datetime.combine(day, hours.start, tzinfo=calendar.zone).astimezone(timezone.utc)
