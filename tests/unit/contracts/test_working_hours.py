from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from referral_contracts.calendar import within_working_hours
from referral_contracts.policy import load_policy

CALENDAR = load_policy(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "policy.yaml").calendar
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(timezone.utc))


@given(moments)
def test_held_escalations_never_come_earlier_and_land_in_working_hours(moment: datetime) -> None:
    held = within_working_hours(moment, CALENDAR)
    local = held.astimezone(CALENDAR.zone)
    assert held >= moment
    assert CALENDAR.is_working_day(local.date())
    assert CALENDAR.working_hours.start <= local.time() <= CALENDAR.working_hours.end
    assert held - moment < timedelta(days=7)


def test_a_saturday_night_waits_for_monday_morning_and_christmas_is_skipped() -> None:
    assert within_working_hours(datetime(2026, 3, 7, 23, tzinfo=timezone.utc), CALENDAR) == datetime(
        2026, 3, 9, 9, tzinfo=timezone.utc)
    assert within_working_hours(datetime(2026, 12, 24, 18, tzinfo=timezone.utc), CALENDAR) == datetime(
        2026, 12, 29, 9, tzinfo=timezone.utc)
