"""Contact deadlines on the partnership's business calendar.

Two kinds of time standard (DOMAIN.md, "Time standards"):

- **hours** (urgent, crisis follow-up) run on the wall clock, 24/7: "within 4 hours" means 4 real
  hours later, nights, weekends and holidays included. The arithmetic is done in UTC, so across a
  daylight-saving change the deadline is still exactly N elapsed hours after the start (its local
  clock reading moves by the hour the clocks moved).
- **business_days** (priority, routine): "within N business days" means by the END of working hours
  of the Nth working day after the day the clock starts, counted in the partnership's time zone.
  Working days are the policy's weekdays minus its holidays. The clock-start day is the day of the
  next working moment: a start before opening on a working day counts from that same day; a start at
  or after closing, or on a non-working day, counts from the next working day. So a referral
  triaged on Friday at 16:00 with a 5-day standard is due the next Friday at 17:00, and one
  triaged on Friday at 18:00 the Monday after that.

No clock is read here: the start is always passed in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from .policy import BusinessCalendar, TimeStandard

_ONE_DAY = timedelta(days=1)


def deadline(start: datetime, standard: TimeStandard, calendar: BusinessCalendar) -> datetime:
    """The moment first contact is due, in UTC, for a clock started at `start` (an aware datetime)."""
    _require_aware(start)
    if standard.hours is not None:
        return start.astimezone(timezone.utc) + timedelta(hours=standard.hours)
    assert standard.business_days is not None  # TimeStandard guarantees exactly one unit
    due_day = nth_working_day_after(clock_start_day(start, calendar), standard.business_days, calendar)
    return end_of_working_day(due_day, calendar)


def clock_start_day(start: datetime, calendar: BusinessCalendar) -> date:
    """The working day the business-day count starts from (see the module docstring)."""
    _require_aware(start)
    local = start.astimezone(calendar.zone)
    day = local.date()
    if calendar.is_working_day(day) and local.time() < calendar.working_hours.end:
        return day
    return next_working_day(day, calendar)


def next_working_day(day: date, calendar: BusinessCalendar) -> date:
    """The first working day strictly after `day`."""
    # Terminates: working_days is never empty and holidays are a finite list.
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
