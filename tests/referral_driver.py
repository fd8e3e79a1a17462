"""Referrals driven through the running services, as agencies would: for end-to-end tests."""

from __future__ import annotations

from uuid import uuid4

import httpx
from devstack.keys import OVERSIGHT, LocalKeys

from factories import referral_payload
from polling import eventually, referral_in


def actor(agency: str, person: str = "Sam Lee") -> dict:
    return {"agency_id": agency, "person": person}


class Loop:
    """One referral driven through intake and tracking, as agencies would, and seen by oversight."""

    def __init__(self, services: dict[str, str], keys: LocalKeys, **changes) -> None:
        self.intake, self.tracking, self.keys = services["intake"], services["tracking"], keys
        self.read_side = services["oversight"]
        self.reference = changes.pop("client_reference", f"E2E-{uuid4().hex[:8]}")
        # A person of its own, unless given: the same person twice is a duplicate, by design.
        person = changes.pop("person", {**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:10]}"})
        self.payload = referral_payload(client_reference=self.reference, person=person, **changes)
        self.sender = self.payload["source_agency_id"]
        response = httpx.post(f"{self.intake}/v1/referrals", json=self.payload, headers=keys.headers(self.sender))
        assert response.status_code == 202, response.text
        self.id = response.json()["referral_id"]

    def wait_for(self, state: str) -> dict:
        return eventually(referral_in(self.tracking, self.id, state, self.oversight), f"referral {self.id} to be {state}")

    @property
    def oversight(self) -> dict[str, str]:
        """Oversight reads every referral: how the tests look without being an agency in it."""
        return self.keys.headers(OVERSIGHT)

    def record(self, kind: str, agency: str = "cmh-east", expect: int = 201, **details) -> httpx.Response:
        body = {"kind": kind, "actor": actor(agency, details.pop("person", "Sam Lee")), **details}
        response = httpx.post(f"{self.tracking}/v1/referrals/{self.id}/milestones", json=body,
                              headers=self.keys.headers(agency))
        assert response.status_code == expect, response.text
        return response

    def accept(self, agency: str = "cmh-east", person: str = "Sam Lee") -> None:
        self.record("accepted", agency, owner=person, person=person)

    def view(self) -> dict:
        return httpx.get(f"{self.tracking}/v1/referrals/{self.id}", headers=self.oversight).json()

    def escalations(self) -> dict:
        return httpx.get(f"{self.tracking}/v1/referrals/{self.id}/escalations", headers=self.oversight).json()

    def projected(self) -> dict:
        """The referral as the oversight service holds it, once it has caught up with tracking: its
        figures trail tracking by the time the projection takes to hear of a change."""
        def caught_up() -> dict | None:
            held = httpx.get(f"{self.read_side}/v1/oversight/referrals/{self.id}", headers=self.oversight)
            return held.json() if held.status_code == 200 and held.json()["version"] >= self.view()["events_applied"] \
                else None

        return eventually(caught_up, f"oversight to hold referral {self.id} as tracking does")
