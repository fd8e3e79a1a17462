"""Demo activity for `make run`: agencies sending and working referrals, some left to go overdue,
so the dashboard shows something real. Last week's referrals are sent, then the platform clock
moves eight days on (every service follows it: CLOCK_OFFSET_FILE), so the untouched ones are past
their deadlines and escalated; then this week's arrive and are worked."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta
from uuid import uuid4

import httpx

from .clock import PlatformClock
from .keys import OVERSIGHT, LocalKeys

LEAD_PERSON = "Sam Lee"
SENDERS = ("gp-north", "ed-central")
KINDS = {  # what a referral looks like, by the tier the demo policy will give it
    "routine": {},
    "priority": {"risk_flags": ["substance_use"]},
    "urgent": {"risk_flags": ["self_harm"], "immediate_safety_actions": ["crisis line number given"]},
    "crisis_follow_up": {"presenting_needs": ["discharged from hospital yesterday"]},
}


def _payload(sender: str, kind: str, rng: random.Random) -> dict:
    reference = f"DEMO-{sender.split('-')[0].upper()}-{uuid4().hex[:6]}"
    return {
        "client_reference": reference, "source_agency_id": sender,
        "referrer": {"name": "Demo Referrer", "role": "GP" if sender == "gp-north" else "ED nurse"},
        "person": {"identifier": f"DEMO-{uuid4().hex[:10]}", "given_name": "Demo", "family_name": f"Person {rng.randint(1, 999)}",
                   "date_of_birth": f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                   "language": "en", "area": "north",
                   "contact": {"preferred_method": "phone", "phone": f"+44 7700 900{rng.randint(100, 999)}"}},
        "service_type": "community_mental_health", "presenting_needs": ["low mood"], "risk_flags": [],
        "protective_factors": [], "medications": ["none"], "immediate_safety_actions": [],
        "funding_route": "nhs", "consent": {"status": "granted"}, "outcome_sought": "Assessment",
        **KINDS[kind],
    }


class Simulator:
    def __init__(self, urls: dict[str, str], keys: LocalKeys, clock: PlatformClock, seed: int = 2026) -> None:
        self.urls, self.keys, self.clock, self.rng = urls, keys, clock, random.Random(seed)
        self.client = httpx.Client(timeout=15)

    def run(self) -> Counter:
        done: Counter = Counter()
        last_week = [self._send() for _ in range(16)]
        self._work(last_week[:9], done)  # the rest are left: they go overdue
        self.clock.advance(timedelta(days=8))
        done["left to go overdue"] = len(last_week) - 9
        this_week = [self._send() for _ in range(14)]
        self._work(this_week[:8], done)
        done["sent"] = len(last_week) + len(this_week)
        return done

    def _send(self) -> str:
        sender, kind = self.rng.choice(SENDERS), self.rng.choice(list(KINDS))
        response = self.client.post(f"{self.urls['intake']}/v1/referrals", json=_payload(sender, kind, self.rng),
                                    headers=self.keys.headers(sender))
        response.raise_for_status()
        return response.json()["referral_id"]

    def _view(self, referral_id: str, wanted: str = "assigned", timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            view = self.client.get(f"{self.urls['tracking']}/v1/referrals/{referral_id}",
                                   headers=self.keys.headers(OVERSIGHT))
            if view.status_code == 200 and view.json()["state"] not in ("submitted",):
                return view.json()
            if time.monotonic() > deadline:
                raise TimeoutError(f"referral {referral_id} was never triaged")
            time.sleep(0.3)

    def _record(self, referral_id: str, lead: str, kind: str, **details) -> None:
        body = {"kind": kind, "actor": {"agency_id": lead, "person": LEAD_PERSON}, **details}
        self.client.post(f"{self.urls['tracking']}/v1/referrals/{referral_id}/milestones", json=body,
                         headers=self.keys.headers(lead)).raise_for_status()

    def _work(self, referral_ids: list[str], done: Counter) -> None:
        for referral_id in referral_ids:
            view = self._view(referral_id)
            lead = view.get("lead_agency_id")
            if view["state"] != "assigned" or not lead:
                done["held by triage"] += 1
                continue
            self._record(referral_id, lead, "acknowledged")
            self._record(referral_id, lead, "accepted", owner=LEAD_PERSON)
            outcome = self.rng.choice(["engaged", "engaged", "declined", "contacting", "no answer"])
            reached = outcome != "no answer"
            self._record(referral_id, lead, "contact_attempted", attempt_number=1, channel="phone",
                         outcome="reached" if reached else "no_answer")
            if outcome == "engaged":
                self._record(referral_id, lead, "engaged")
            elif outcome == "declined":
                self._record(referral_id, lead, "declined", decline_reason="not_ready", reason_text="Wants to wait")
            done[outcome] += 1
