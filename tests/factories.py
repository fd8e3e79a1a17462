"""Valid example payloads for tests; each test changes only what it is about."""

from __future__ import annotations

from typing import Any

from referral_contracts import ReferralRequest
from referral_contracts.directory import Directory


def referral_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "client_reference": "GPN-2026-0001",
        "source_agency_id": "gp-north",
        "referrer": {"name": "Dr Amara Okafor", "role": "GP", "phone": "+44 20 7946 0001"},
        "person": {
            "identifier": "NHS-9434765919",
            "given_name": "Jordan",
            "family_name": "Example",
            "date_of_birth": "1990-04-12",
            "language": "en",
            "area": "north",
            "contact": {"preferred_method": "phone", "phone": "+44 7700 900123"},
        },
        "service_type": "community_mental_health",
        "presenting_needs": ["low mood", "sleep disruption"],
        "risk_flags": [],
        "protective_factors": ["supportive sibling"],
        "medications": ["sertraline 50mg"],
        "immediate_safety_actions": [],
        "funding_route": "nhs",
        "consent": {"status": "granted"},
        "outcome_sought": "Assessment and talking therapy",
    }
    payload.update(changes)
    return payload


def referral_request(**changes: Any) -> ReferralRequest:
    return ReferralRequest.model_validate(referral_payload(**changes))


def person_payload(**changes: Any) -> dict[str, Any]:
    """The example person with some fields changed, for `referral_request(person=...)`."""
    return {**referral_payload()["person"], **changes}


def service_payload(service_id: str = "svc", **changes: Any) -> dict[str, Any]:
    """A directory service: active, available, every age, area and language, unless changed."""
    return {"id": service_id, "name": service_id, "service_type": "community_mental_health", **changes}


def agency_payload(agency_id: str, *services: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"id": agency_id, "name": agency_id, "services": list(services), **changes}


def directory(*agencies: dict[str, Any]) -> Directory:
    """A directory of these agencies, in this order (the partnership's order of preference)."""
    return Directory.model_validate({"agencies": list(agencies)})
