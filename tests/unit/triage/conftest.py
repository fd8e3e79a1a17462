"""A policy written out in the test, so the tests pin the rules, not whatever the demo file says."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from referral_contracts.policy import Policy

_POLICY: dict[str, Any] = {
    "triage_desk_agency_id": "triage-desk",
    "warm_handoff_flags": ["suicidal_ideation", "self_harm", "safeguarding_concern", "recent_discharge"],
    "calendar": {
        "timezone": "Europe/London",
        "working_days": [1, 2, 3, 4, 5],
        "working_hours": {"start": "09:00", "end": "17:00"},
        "country": "GB",
        "subdivision": "ENG",
    },
    "tiers": {
        "urgent": {
            "risk_flags": ["suicidal_ideation", "self_harm", "violence_risk"],
            "presenting_need_phrases": ["thoughts of ending", "plan to harm"],
            "standard": {"hours": 4},
            "clock_starts_at": "submitted",
            "interim_safety_actions": ["same-day call-back", "interim safety guidance"],
            "accepted_capacity": ["available"],
        },
        "crisis_follow_up": {
            "risk_flags": ["recent_discharge"],
            "presenting_need_phrases": ["discharged from hospital", "after a crisis"],
            "standard": {"hours": 24},
            "clock_starts_at": "submitted",
            "interim_safety_actions": ["next-day contact"],
            "accepted_capacity": ["available"],
        },
        "priority": {
            "risk_flags": ["safeguarding_concern", "substance_use"],
            "standard": {"business_days": 5},
            "clock_starts_at": "triaged",
            "accepted_capacity": ["available"],
        },
        "routine": {
            "standard": {"business_days": 10}, "clock_starts_at": "triaged",
            "accepted_capacity": ["available", "waitlist"],
        },
    },
    # The example referral (tests/factories.py) carries all of these.
    "required_fields": ["person.contact.phone", {"field": "medications", "tiers": ["urgent", "crisis_follow_up"]}],
    "unknown_outcome_after_days": 14,
    "escalation": {
        "reminder_at_fraction": 0.75, "breach_notifies": "operational", "partnership_lead_after_hours": 24,
        "risk_flags_notify_immediately": "safeguarding",
    },
}


@pytest.fixture
def policy_doc() -> dict[str, Any]:
    """A fresh copy to change in one place per test."""
    return copy.deepcopy(_POLICY)


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy.model_validate(_POLICY)
