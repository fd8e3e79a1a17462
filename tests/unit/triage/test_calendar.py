from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.domain import Policy, TimeStandard, deadline

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
FIVE_DAYS = TimeStandard(business_days=5)
ONE_DAY = TimeStandard(business_days=1)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


# --- hours standards: elapsed time on the wall clock, 24/7 -------------------------------------


def test_hours_run_through_the_night_and_the_weekend(policy: Policy) -> None:
    start = london(2026, 6, 6, 22, 15)  # a Saturday night
    assert deadline(start, TimeStandard(hours=4), policy.calendar) == datetime(2026, 6, 7, 1, 15, tzinfo=UTC)


def test_hours_across_the_spring_dst_change_are_real_elapsed_hours(policy: Policy) -> None:
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 00:30 GMT; clocks jump 01:00 -> 02:00
    due = deadline(start, TimeStandard(hours=4), policy.calendar)
    assert due == datetime(2026, 3, 29, 4, 30, tzinfo=UTC)
    assert due.astimezone(LONDON).hour == 5  # the local clock shows 05:30 BST


def test_next_day_standard_across_the_autumn_dst_change(policy: Policy) -> None:
    start = london(2026, 10, 24, 12, 0)  # 11:00 UTC, in BST
    due = deadline(start, TimeStandard(hours=24), policy.calendar)
    assert due == datetime(2026, 10, 25, 11, 0, tzinfo=UTC)  # 11:00 GMT: the clocks went back


# --- business-day standards -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected_local"),
    [
        (london(2026, 6, 5, 16, 0), london(2026, 6, 12, 17, 0)),  # Friday in hours -> next Friday
        (london(2026, 6, 5, 18, 0), london(2026, 6, 15, 17, 0)),  # Friday evening -> counts from Monday
        (london(2026, 6, 6, 11, 0), london(2026, 6, 15, 17, 0)),  # Saturday -> counts from Monday
        (london(2026, 6, 8, 7, 0), london(2026, 6, 15, 17, 0)),   # Monday before opening -> that Monday
        (london(2026, 6, 8, 16, 59), london(2026, 6, 15, 17, 0)),
        (london(2026, 6, 8, 17, 0), london(2026, 6, 16, 17, 0)),  # at closing -> counts from Tuesday
    ],
)
def test_five_business_days_end_at_close_of_the_fifth_working_day(
    policy: Policy, start: datetime, expected_local: datetime
) -> None:
    assert deadline(start, FIVE_DAYS, policy.calendar) == expected_local.astimezone(UTC)


def test_easter_holidays_in_the_window_and_the_spring_dst_change(policy: Policy) -> None:
    # Fri 27 Mar (GMT) + 5: Mon 30, Tue 31, Wed 1, Thu 2, [Good Friday, Easter Monday], Tue 7 (BST).
    due = deadline(datetime(2026, 3, 27, 10, 0, tzinfo=UTC), FIVE_DAYS, policy.calendar)
    assert due == datetime(2026, 4, 7, 16, 0, tzinfo=UTC)  # 17:00 BST


def test_autumn_dst_change_lands_on_local_close(policy: Policy) -> None:
    due = deadline(london(2026, 10, 23, 10, 0), ONE_DAY, policy.calendar)  # Friday, BST
    assert due == datetime(2026, 10, 26, 17, 0, tzinfo=UTC)  # Monday 17:00 GMT


def test_christmas_substitute_holiday_is_skipped(policy: Policy) -> None:
    due = deadline(london(2026, 12, 24, 12, 0), ONE_DAY, policy.calendar)
    assert due == datetime(2026, 12, 29, 17, 0, tzinfo=UTC)  # not Fri 25 nor Mon 28


def test_the_start_zone_does_not_matter_only_the_instant(policy: Policy) -> None:
    in_new_york = datetime(2026, 6, 5, 13, 0, tzinfo=ZoneInfo("America/New_York"))  # 18:00 London
    due = deadline(in_new_york, FIVE_DAYS, policy.calendar)
    assert due == london(2026, 6, 15, 17, 0)
    assert due.utcoffset() == timedelta(0)


def test_a_naive_start_is_refused(policy: Policy) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline(datetime(2026, 6, 5, 16, 0), FIVE_DAYS, policy.calendar)


# --- properties -------------------------------------------------------------------------------

ZONES = st.sampled_from([UTC, LONDON, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30))])
starts = st.datetimes(min_value=datetime(2025, 10, 1), max_value=datetime(2027, 3, 1), timezones=ZONES)
business_days = st.integers(min_value=1, max_value=15)
HOLIDAYS = {date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
            date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28)}


def working_days_in(after: date, through: date) -> int:
    """Brute force, independent of the code under test: Mon-Fri days in (after, through], less holidays."""
    days = (after + timedelta(days=i) for i in range(1, (through - after).days + 1))
    return sum(1 for d in days if d.isoweekday() <= 5 and d not in HOLIDAYS)


@given(start=starts, n=business_days)
def test_business_deadline_is_close_of_a_working_day_after_the_start(
    policy: Policy, start: datetime, n: int
) -> None:
    due = deadline(start, TimeStandard(business_days=n), policy.calendar)
    local_due = due.astimezone(LONDON)
    assert due.utcoffset() == timedelta(0)
    assert due > start
    assert local_due.isoweekday() <= 5
    assert local_due.date() not in HOLIDAYS
    assert (local_due.hour, local_due.minute) == (17, 0)


@given(start=starts, n=business_days)
def test_business_deadline_counts_exactly_n_working_days(policy: Policy, start: datetime, n: int) -> None:
    local_start = start.astimezone(LONDON)
    day = local_start.date()
    starts_today = day.isoweekday() <= 5 and day not in HOLIDAYS and local_start.hour < 17
    due_day = deadline(start, TimeStandard(business_days=n), policy.calendar).astimezone(LONDON).date()
    # A start after close or on a non-working day spends one extra working day before the count.
    assert working_days_in(day, due_day) == (n if starts_today else n + 1)


@given(first=starts, second=starts, n=business_days)
def test_business_deadline_is_monotonic_in_the_start(
    policy: Policy, first: datetime, second: datetime, n: int
) -> None:
    # Sort by instant: same-zone aware datetimes compare by wall clock, which is wrong in a DST fold.
    earlier, later = sorted([first, second], key=lambda moment: moment.astimezone(UTC))
    standard = TimeStandard(business_days=n)
    assert deadline(earlier, standard, policy.calendar) <= deadline(later, standard, policy.calendar)


@given(start=starts, hours=st.integers(min_value=1, max_value=96))
def test_hours_deadline_is_exactly_that_many_elapsed_hours(policy: Policy, start: datetime, hours: int) -> None:
    due = deadline(start, TimeStandard(hours=hours), policy.calendar)
    assert due - start == timedelta(hours=hours)
    assert due.utcoffset() == timedelta(0)
