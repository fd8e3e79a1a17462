"""A policy written out in the test, so the tests pin the rules, not whatever the demo file says."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from triage.domain import Policy

# England bank holidays 2026 (the window the example tests use).
HOLIDAYS_2026 = [
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
    date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
]

_POLICY: dict[str, Any] = {
    "triage_desk_agency_id": "triage-desk",
    "calendar": {
        "timezone": "Europe/London",
        "working_days": [1, 2, 3, 4, 5],
        "working_hours": {"start": "09:00", "end": "17:00"},
        "holidays": [d.isoformat() for d in HOLIDAYS_2026],
    },
    "tiers": {
        "urgent": {
            "risk_flags": ["suicidal_ideation", "self_harm", "violence_risk"],
            "standard": {"hours": 4},
            "interim_safety_actions": ["same-day call-back", "interim safety guidance"],
            "accepted_capacity": ["available"],
        },
        "crisis_follow_up": {
            "risk_flags": ["recent_discharge"],
            "standard": {"hours": 24},
            "interim_safety_actions": ["next-day contact"],
            "accepted_capacity": ["available"],
        },
        "priority": {
            "risk_flags": ["safeguarding_concern", "substance_use"],
            "standard": {"business_days": 5},
            "accepted_capacity": ["available"],
        },
        "routine": {"standard": {"business_days": 10}, "accepted_capacity": ["available", "waitlist"]},
    },
    "warm_handoff_flags": ["suicidal_ideation", "self_harm", "safeguarding_concern", "recent_discharge"],
}


@pytest.fixture
def policy_doc() -> dict[str, Any]:
    """A fresh copy to break in one place per test."""
    return copy.deepcopy(_POLICY)


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy.model_validate(_POLICY)
