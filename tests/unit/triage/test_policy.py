"""The policy file: what loads, and the mistakes that must fail at start-up rather than mis-triage."""

import json
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from referral_contracts import AcuityTier, RiskFlag
from referral_contracts.directory import Capacity
from triage.domain import Policy, load_policy


def test_load_policy_reads_and_validates_a_file(tmp_path: Path, policy_doc: dict[str, Any]) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy_doc))
    policy = load_policy(path)
    assert policy.calendar.working_hours.start == time(9, 0)
    assert policy.calendar.working_hours.end == time(17, 0)
    assert policy.tier(AcuityTier.URGENT).standard.hours == 4
    assert policy.tier(AcuityTier.ROUTINE).standard.business_days == 10
    assert policy.tier(AcuityTier.ROUTINE).accepted_capacity == [Capacity.AVAILABLE, Capacity.WAITLIST]
    assert RiskFlag.RECENT_DISCHARGE in policy.warm_handoff_flags


def test_working_days_exclude_weekends_and_holidays(policy: Policy) -> None:
    calendar = policy.calendar
    assert calendar.is_working_day(date(2026, 6, 8))  # Monday
    assert not calendar.is_working_day(date(2026, 6, 6))  # Saturday
    assert not calendar.is_working_day(date(2026, 12, 28))  # substitute bank holiday, a Monday


def _break(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return doc


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("tiers.urgent.standard", {"hours": 4, "business_days": 1}, "exactly one of hours or business_days"),
        ("tiers.urgent.standard", {}, "exactly one of hours or business_days"),
        ("tiers.priority.standard", {"business_days": 0}, "greater than 0"),
        ("tiers.crisis_follow_up", _DELETE, "missing: crisis_follow_up"),
        ("tiers.routine.risk_flags", ["substance_use"], "routine"),
        ("tiers.priority.risk_flags", ["self_harm"], "self_harm is listed under both"),
        ("tiers.routine.accepted_capacity", [], "at least 1"),
        ("calendar.timezone", "Europe/Londres", "unknown IANA time zone"),
        ("calendar.working_hours.start", "9:00", "HH:MM"),
        ("calendar.working_hours.start", "09:00:00", "HH:MM"),
        ("calendar.working_hours.end", "08:00", "start must be before end"),
        ("calendar.working_days", [1, 2, 8], "less than or equal to 7"),
        ("calendar.working_days", [], "at least 1"),
        ("calendar.holidays", ["2026-02-30"], "date"),
        ("triage_desk_agency_id", "", "at least 1"),
        ("escalation", {"after_hours": 2}, "Extra inputs are not permitted"),
    ],
)
def test_a_broken_policy_is_refused_with_a_clear_message(
    policy_doc: dict[str, Any], path: str, value: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Policy.model_validate(_break(policy_doc, path, value))
