"""The shared business calendar: working days from the `holidays` package, and deadlines on it."""

from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from referral_contracts.calendar import BusinessCalendar, TimeStandard, close_of_business, deadline

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
FIVE_DAYS = TimeStandard(business_days=5)
ONE_DAY = TimeStandard(business_days=1)
ENGLAND: dict[str, Any] = {
    "timezone": "Europe/London", "working_days": [1, 2, 3, 4, 5],
    "working_hours": {"start": "09:00", "end": "17:00"}, "country": "GB", "subdivision": "ENG",
}
CALENDAR = BusinessCalendar.model_validate(ENGLAND)  # counts from the start's date, the default
NEXT_WORKING_DAY = BusinessCalendar.model_validate(ENGLAND | {"business_days_count_from": "next_working_day"})


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


# --- working days ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 6, 8), True),     # an ordinary Monday
        (date(2026, 6, 6), False),    # Saturday
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 28), False),  # Boxing Day falls on a Saturday: substitute Monday
        (date(2026, 12, 29), True),
        (date(2027, 3, 26), False),   # Good Friday 2027
        (date(2027, 3, 29), False),   # Easter Monday 2027
        (date(2027, 4, 2), True),     # a Friday a week after Easter: an ordinary working day
        (date(2027, 12, 27), False),  # Christmas Day on a Saturday: substitute Monday
        (date(2027, 12, 28), False),  # Boxing Day on a Sunday: substitute Tuesday
        (date(2026, 1, 2), True),     # a bank holiday in Scotland only
    ],
)
def test_england_bank_holidays_come_from_the_holidays_package(day: date, working: bool) -> None:
    assert CALENDAR.is_working_day(day) is working


def test_the_subdivision_chooses_the_holidays() -> None:
    scotland = BusinessCalendar.model_validate(ENGLAND | {"subdivision": "SCT"})
    assert not scotland.is_working_day(date(2026, 1, 2))
    assert not scotland.is_working_day(date(2026, 11, 30))  # St Andrew's Day (observed)
    assert scotland.is_working_day(date(2026, 4, 6))  # Easter Monday is no bank holiday there


def test_extra_holidays_and_working_days_by_name() -> None:
    calendar = BusinessCalendar.model_validate(
        ENGLAND | {"working_days": ["Mon", "tuesday", "WED", "thu", "sat"], "extra_holidays": ["2026-12-24"]}
    )
    assert calendar.working_days == [1, 2, 3, 4, 6]
    assert not calendar.is_working_day(date(2026, 12, 24))
    assert not calendar.is_working_day(date(2026, 6, 5))  # a Friday
    assert calendar.is_working_day(date(2026, 6, 6))  # a Saturday


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"country": "XX"}, "no public holidays known for country 'XX'"),
        ({"subdivision": "YORKS"}, "subdivision 'YORKS' is not one of GB's"),
        ({"holidays": ["2026-12-25"]}, "holidays are no longer listed by hand"),
        ({"timezone": "Europe/Londres"}, "unknown IANA time zone"),
        ({"working_hours": {"start": "9:00", "end": "17:00"}}, "HH:MM"),
        ({"working_hours": {"start": "09:00", "end": 1020}}, "HH:MM"),
        ({"working_hours": {"start": "18:00", "end": "17:00"}}, "start must be before end"),
        ({"working_days": [1, 8]}, "less than or equal to 7"),
        ({"working_days": ["someday"]}, "valid integer"),
        ({"working_days": []}, "at least 1"),
        ({"extra_holidays": ["2026-02-30"]}, "date"),
        ({"business_days_count_from": "monday"}, "'start_date' or 'next_working_day'"),
    ],
)
def test_a_broken_calendar_is_refused_with_a_clear_message(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        BusinessCalendar.model_validate(ENGLAND | change)


# --- hours standards: elapsed time on the wall clock, 24/7 -------------------------------------


def test_hours_run_through_the_night_and_the_weekend() -> None:
    start = london(2026, 6, 6, 22, 15)  # a Saturday night
    assert deadline(start, TimeStandard(hours=4), CALENDAR) == datetime(2026, 6, 7, 1, 15, tzinfo=UTC)


def test_hours_across_the_spring_dst_change_are_real_elapsed_hours() -> None:
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 00:30 GMT; clocks jump 01:00 -> 02:00
    due = deadline(start, TimeStandard(hours=4), CALENDAR)
    assert due == datetime(2026, 3, 29, 4, 30, tzinfo=UTC)
    assert due.astimezone(LONDON).hour == 5  # the local clock shows 05:30 BST


def test_next_day_standard_across_the_autumn_dst_change() -> None:
    due = deadline(london(2026, 10, 24, 12, 0), TimeStandard(hours=24), CALENDAR)
    assert due == datetime(2026, 10, 25, 11, 0, tzinfo=UTC)  # 11:00 GMT: the clocks went back


# --- business-day standards -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected_local"),
    [
        (london(2026, 6, 5, 16, 0), london(2026, 6, 12, 17, 0)),  # Friday in hours -> next Friday
        (london(2026, 6, 5, 18, 0), london(2026, 6, 12, 17, 0)),  # Friday evening -> next Friday too
        (london(2026, 6, 6, 11, 0), london(2026, 6, 12, 17, 0)),  # Saturday: Monday is day 1 -> Friday
        (london(2026, 6, 7, 23, 59), london(2026, 6, 12, 17, 0)),  # Sunday night: the same
        (london(2026, 6, 8, 7, 0), london(2026, 6, 15, 17, 0)),   # Monday before opening -> next Monday
        (london(2026, 6, 8, 16, 59), london(2026, 6, 15, 17, 0)),
        (london(2026, 6, 8, 17, 0), london(2026, 6, 15, 17, 0)),  # at closing: still Monday's date
    ],
)
def test_five_business_days_end_at_close_of_the_fifth_working_day_after_the_start_date(
    start: datetime, expected_local: datetime
) -> None:
    assert deadline(start, FIVE_DAYS, CALENDAR) == expected_local.astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "expected_local"),
    [
        (london(2026, 6, 5, 16, 0), london(2026, 6, 12, 17, 0)),  # Friday in hours -> next Friday
        (london(2026, 6, 5, 18, 0), london(2026, 6, 15, 17, 0)),  # Friday evening -> counts from Monday
        (london(2026, 6, 6, 11, 0), london(2026, 6, 15, 17, 0)),  # Saturday -> counts from Monday
        (london(2026, 6, 8, 7, 0), london(2026, 6, 15, 17, 0)),   # Monday before opening -> that Monday
        (london(2026, 6, 8, 17, 0), london(2026, 6, 16, 17, 0)),  # at closing -> counts from Tuesday
    ],
)
def test_a_partnership_may_count_from_the_next_working_day(start: datetime, expected_local: datetime) -> None:
    assert deadline(start, FIVE_DAYS, NEXT_WORKING_DAY) == expected_local.astimezone(UTC)


def test_a_referral_on_thanksgiving_is_due_as_one_on_the_wednesday_before() -> None:
    us = BusinessCalendar.model_validate(ENGLAND | {"timezone": "America/New_York", "country": "US",
                                                    "subdivision": None})
    thanksgiving = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    wednesday = thanksgiving - timedelta(days=1)
    assert not us.is_working_day(thanksgiving.date())
    due = deadline(thanksgiving, FIVE_DAYS, us)
    assert due == deadline(wednesday, FIVE_DAYS, us)
    assert due.astimezone(ZoneInfo("America/New_York")) == datetime(2026, 12, 3, 17, 0, tzinfo=ZoneInfo(
        "America/New_York"))  # Fri 27 is day 1 ... Thu 3 December is day 5


def test_easter_holidays_in_the_window_and_the_spring_dst_change() -> None:
    # Fri 27 Mar (GMT) + 5: Mon 30, Tue 31, Wed 1, Thu 2, [Good Friday, Easter Monday], Tue 7 (BST).
    due = deadline(datetime(2026, 3, 27, 10, 0, tzinfo=UTC), FIVE_DAYS, CALENDAR)
    assert due == datetime(2026, 4, 7, 16, 0, tzinfo=UTC)  # 17:00 BST


def test_christmas_and_the_substitute_boxing_day_are_skipped() -> None:
    due = deadline(london(2026, 12, 24, 12, 0), ONE_DAY, CALENDAR)
    assert due == datetime(2026, 12, 29, 17, 0, tzinfo=UTC)  # not Fri 25 nor Mon 28


def test_the_start_zone_does_not_matter_only_the_instant() -> None:
    in_new_york = datetime(2026, 6, 5, 20, 0, tzinfo=ZoneInfo("America/New_York"))  # 01:00 Saturday London
    due = deadline(in_new_york, FIVE_DAYS, CALENDAR)
    assert due == london(2026, 6, 12, 17, 0)  # Saturday's date in London, not Friday's in New York
    assert due.utcoffset() == timedelta(0)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline(datetime(2026, 6, 5, 16, 0), FIVE_DAYS, CALENDAR)


@pytest.mark.parametrize(
    ("start", "expected_local"),
    [
        (london(2026, 6, 8, 10, 0), london(2026, 6, 8, 17, 0)),    # in hours: the same day
        (london(2026, 6, 8, 7, 30), london(2026, 6, 8, 17, 0)),    # before opening: still that day
        (london(2026, 6, 8, 17, 0), london(2026, 6, 9, 17, 0)),    # at closing: the next working day
        (london(2026, 12, 24, 18, 0), london(2026, 12, 29, 17, 0)),  # over Christmas
    ],
)
def test_close_of_business_is_the_same_working_day_or_the_next(start: datetime, expected_local: datetime) -> None:
    assert close_of_business(start, CALENDAR) == expected_local.astimezone(UTC)


# --- properties -------------------------------------------------------------------------------

ZONES = st.sampled_from([UTC, LONDON, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30))])
starts = st.datetimes(min_value=datetime(2025, 10, 1), max_value=datetime(2028, 3, 1), timezones=ZONES)
business_days = st.integers(min_value=1, max_value=15)
# The oracle is the package itself, not the calendar under test.
ENGLAND_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2025, 2029))


def is_working(day: date) -> bool:
    return day.isoweekday() <= 5 and day not in ENGLAND_HOLIDAYS


def working_days_in(after: date, through: date) -> int:
    """Brute force: working days in (after, through]."""
    return sum(1 for i in range(1, (through - after).days + 1) if is_working(after + timedelta(days=i)))


both_rules = st.sampled_from([CALENDAR, NEXT_WORKING_DAY])


@given(start=starts, n=business_days, calendar=both_rules)
def test_a_business_deadline_is_close_of_a_working_day_never_a_weekend_or_holiday(
    start: datetime, n: int, calendar: BusinessCalendar
) -> None:
    due = deadline(start, TimeStandard(business_days=n), calendar)
    local_due = due.astimezone(LONDON)
    assert due.utcoffset() == timedelta(0)
    assert due > start
    assert is_working(local_due.date())
    assert (local_due.hour, local_due.minute) == (17, 0)


@given(start=starts, n=business_days)
def test_a_business_deadline_is_the_nth_working_day_after_the_start_date(start: datetime, n: int) -> None:
    day = start.astimezone(LONDON).date()
    due_day = deadline(start, TimeStandard(business_days=n), CALENDAR).astimezone(LONDON).date()
    assert working_days_in(day, due_day) == n  # whatever the hour, working day or not


@given(start=starts, n=business_days)
def test_counting_from_the_next_working_day_adds_one_only_after_closing_or_on_a_day_off(start: datetime,
                                                                                      n: int) -> None:
    local_start = start.astimezone(LONDON)
    day = local_start.date()
    starts_today = is_working(day) and local_start.hour < 17
    due_day = deadline(start, TimeStandard(business_days=n), NEXT_WORKING_DAY).astimezone(LONDON).date()
    assert working_days_in(day, due_day) == (n if starts_today else n + 1)


@given(start=starts, n=business_days)
def test_a_start_on_a_day_off_is_due_when_one_on_the_last_working_day_before_it_is(start: datetime, n: int) -> None:
    local = start.astimezone(LONDON)
    before = local.date()
    while not is_working(before):
        before -= timedelta(days=1)
    same_hour_then = datetime.combine(before, local.time().replace(fold=0), tzinfo=LONDON)
    standard = TimeStandard(business_days=n)
    assert deadline(start, standard, CALENDAR) == deadline(same_hour_then, standard, CALENDAR)


@given(start=starts, n=business_days, more=st.integers(min_value=0, max_value=10))
def test_more_time_never_gives_an_earlier_deadline(start: datetime, n: int, more: int) -> None:
    shorter = deadline(start, TimeStandard(business_days=n), CALENDAR)
    assert shorter <= deadline(start, TimeStandard(business_days=n + more), CALENDAR)
    assert deadline(start, TimeStandard(hours=n), CALENDAR) <= deadline(start, TimeStandard(hours=n + more), CALENDAR)


@given(first=starts, second=starts, n=business_days, calendar=both_rules)
def test_a_later_start_never_gives_an_earlier_deadline(first: datetime, second: datetime, n: int,
                                                       calendar: BusinessCalendar) -> None:
    # Sort by instant: same-zone aware datetimes compare by wall clock, which is wrong in a DST fold.
    earlier, later = sorted([first, second], key=lambda moment: moment.astimezone(UTC))
    for standard in (TimeStandard(business_days=n), TimeStandard(hours=n)):
        assert deadline(earlier, standard, calendar) <= deadline(later, standard, calendar)
    assert close_of_business(earlier, calendar) <= close_of_business(later, calendar)


@given(start=starts, n=business_days)
def test_the_start_date_rule_is_never_later_than_the_next_working_day_rule(start: datetime, n: int) -> None:
    standard = TimeStandard(business_days=n)
    assert deadline(start, standard, CALENDAR) <= deadline(start, standard, NEXT_WORKING_DAY)


@given(start=starts, hours=st.integers(min_value=1, max_value=96))
def test_an_hours_deadline_is_exactly_that_many_elapsed_hours(start: datetime, hours: int) -> None:
    due = deadline(start, TimeStandard(hours=hours), CALENDAR)
    assert due - start == timedelta(hours=hours)
    assert due.utcoffset() == timedelta(0)


@given(start=starts, calendar=both_rules)
def test_close_of_business_is_the_first_working_close_not_before_the_start(start: datetime,
                                                                          calendar: BusinessCalendar) -> None:
    due = close_of_business(start, calendar)
    assert due > start and is_working(due.astimezone(LONDON).date())
    # A day's standard ends a working day later, or (counting from a day off or after closing by
    # the start's date) at that same close: Saturday's one working day is Monday.
    assert due <= deadline(start, ONE_DAY, calendar)
    local = start.astimezone(LONDON)
    if is_working(local.date()) and local.hour < 17:
        assert due < deadline(start, ONE_DAY, calendar)
    assert due - start <= timedelta(days=8)  # no run of non-working days in England is that long
