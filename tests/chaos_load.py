"""The steady load of the chaos runs (tests/chaos on one broker, tests/cluster on three): agencies
behave as real clients do. gp-north refers; cmh-east works each referral to engagement. A request
that fails (a service or the broker down) is sent again, with the same content or the same milestone
id, which the platform recognises. With several replicas of a service, a request goes to the next
replica that answers, as through a Kubernetes Service.

What the agencies saw also says how long the pipeline stood still: `progress` holds the moments a
referral reached its lead (intake, triage and tracking all moved it) or a milestone was taken."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from uuid import NAMESPACE_URL, UUID, uuid5

import httpx
from devstack.keys import OVERSIGHT, LocalKeys

from factories import referral_payload

WORK = ["acknowledged", "accepted", "contact_attempted", "engaged"]
LEAD = {"agency_id": "cmh-east", "person": "Sam Lee"}
DETAILS = {"accepted": {"owner": "Sam Lee"},
           "contact_attempted": {"attempt_number": 1, "outcome": "reached", "channel": "phone"}}
Urls = dict[str, Sequence[str]]  # service -> the base URL of each of its replicas


def until_done(what: str, attempt: Callable[[], httpx.Response | None], timeout: float = 300) -> httpx.Response:
    """Send again until the platform answers; a service or the broker may be down meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = attempt()
            if response is not None and response.status_code < 500:
                return response
        except httpx.HTTPError:
            pass  # the service is restarting
        time.sleep(0.5)
    raise AssertionError(f"gave up on {what} after {timeout}s")


def milestone_id(reference: str, kind: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"{reference}/{kind}")


class Agency:
    """gp-north refers; cmh-east works each referral to engagement, as the chaos goes on."""

    def __init__(self, urls: Urls, keys: LocalKeys) -> None:
        self.keys = keys
        self._next = {service: itertools.cycle(replicas) for service, replicas in urls.items()}
        self._replicas = {service: len(replicas) for service, replicas in urls.items()}
        self.submitted: dict[str, str] = {}  # client reference -> referral id
        self.progress: list[float] = []  # monotonic moments the pipeline was seen to move
        self.lock = threading.Lock()

    def call(self, method: str, service: str, path: str, **request) -> httpx.Response:
        """The request to one replica of `service`, else to the next (a connection refused)."""
        with self.lock:
            order = [next(self._next[service]) for _ in range(self._replicas[service])]
        for url in order[:-1]:
            try:
                return httpx.request(method, f"{url}{path}", timeout=10, **request)
            except httpx.TransportError:
                continue
        return httpx.request(method, f"{order[-1]}{path}", timeout=10, **request)

    def moved(self) -> None:
        with self.lock:
            self.progress.append(time.monotonic())

    def submit(self, reference: str, **changes) -> str:
        person = {**referral_payload()["person"], "identifier": f"P-{uuid5(NAMESPACE_URL, reference).hex[:12]}"}
        payload = referral_payload(client_reference=reference, person=person, **changes)
        response = until_done(f"submitting {reference}", lambda: self.call(
            "POST", "intake", "/v1/referrals", json=payload, headers=self.keys.headers("gp-north")))
        assert response.status_code == 202, response.text
        with self.lock:
            self.submitted[reference] = response.json()["referral_id"]
        return response.json()["referral_id"]

    def view(self, referral_id: str) -> httpx.Response:
        return self.call("GET", "tracking", f"/v1/referrals/{referral_id}", headers=self.keys.headers(OVERSIGHT))

    def wait_assigned(self, reference: str, referral_id: str) -> None:
        until_done(f"{reference} assigned", lambda: r if (r := self.view(referral_id)).status_code == 200
                   and r.json()["state"] == "assigned" else None)
        self.moved()

    def work(self, reference: str) -> None:
        referral_id = self.submit(reference)
        self.wait_assigned(reference, referral_id)
        for kind in WORK:
            body = {"kind": kind, "actor": LEAD, "milestone_id": str(milestone_id(reference, kind)),
                    **DETAILS.get(kind, {})}
            response = until_done(f"{reference} {kind}", lambda: self.call(
                "POST", "tracking", f"/v1/referrals/{referral_id}/milestones", json=body,
                headers=self.keys.headers("cmh-east")))
            assert response.status_code in (200, 201), response.text
            self.moved()

    def lost(self, references: Sequence[str]) -> tuple[list[str], list[str]]:
        """The referrals tracking does not have closed, and the milestones missing from timelines."""
        tracked = {ref: self.view(self.submitted[ref]).json() for ref in references}
        unclosed = [ref for ref in references if tracked[ref]["state"] != "closed"]
        missing = [f"{ref}/{kind}" for ref in references for kind in WORK
                   if str(milestone_id(ref, kind)) not in {t["event_id"] for t in tracked[ref]["timeline"]}]
        return unclosed, missing

    def breaches_told(self, crisis: dict[str, str]) -> list[str]:
        """The crisis referrals (reference -> id) whose breach reached its lead by e-mail and SMS."""
        views = {ref: self.view(rid).json() for ref, rid in crisis.items()}
        return [ref for ref, v in views.items()
                if {n["channel"] for e in v["escalations"] if e["step"] == "breach" for n in e["notified"]}
                >= {"email", "sms"}]


def sent_twice(emails: list, texts: list[dict]) -> tuple[list[str], list[tuple[str, str]]]:
    """E-mails with a Message-ID seen more than once, and texts sent twice to one number."""
    return ([k for k, n in Counter(m["Message-ID"] for m in emails).items() if n > 1],
            [k for k, n in Counter((t["to"], t["body"]) for t in texts).items() if n > 1])


def closure_emails(emails: list) -> Counter:
    """How many closure e-mails each client reference got."""
    return Counter(m["Subject"].rsplit(" ", 1)[-1] for m in emails if m["Subject"].startswith("Referral closed"))


def longest_pause(progress: Sequence[float], start: float, end: float) -> float:
    """The longest the pipeline stood still between `start` (the fault) and `end` (it moved again
    after the recovery): the widest gap between the moments it was seen to move, from the fault on."""
    inside = sorted(t for t in progress if start <= t <= end)
    return max(b - a for a, b in itertools.pairwise([start, *inside, end]))
