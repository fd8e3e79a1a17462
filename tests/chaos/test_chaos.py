"""Chaos under steady load (`make chaos`): while agencies submit and work referrals, each service in
turn is killed with SIGKILL and restarted, and the Kafka broker is killed and restarted once.
Afterwards every submitted referral is in tracking with every milestone, no notification was sent
twice, and every deadline that fell due fired. The counts are printed.

Agencies behave as real clients do: a request that fails (a service down) is sent again, with the
same content or the same milestone id, which the platform recognises."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from uuid import NAMESPACE_URL, uuid4, uuid5

import httpx
import pytest
from devstack.clock import PlatformClock
from devstack.kafka import LocalKafka, start_kafka
from devstack.keys import OVERSIGHT, LocalKeys, issue_local_keys
from devstack.paths import demo_file
from devstack.services import RunningServices, ServiceSettings, start_services
from devstack.sms_sink import SmsSink, start_sms_sink
from devstack.smtp_sink import SmtpSink, start_smtp_sink
from devstack.store import start_store

from factories import referral_payload

pytestmark = pytest.mark.chaos
CRISIS = 8  # referrals left to breach their 24-hour deadline (the rest are worked to closure)
NEW_REFERRAL_EVERY = 0.4  # seconds: the steady load, kept up for the whole chaos sequence
WORK = ["acknowledged", "accepted", "contact_attempted", "engaged"]
LEAD = {"agency_id": "cmh-east", "person": "Sam Lee"}
DETAILS = {"accepted": {"owner": "Sam Lee"},
           "contact_attempted": {"attempt_number": 1, "outcome": "reached", "channel": "phone"}}


class Platform:
    def __init__(self, kafka: LocalKafka, services: RunningServices, keys: LocalKeys, clock: PlatformClock,
                 smtp: SmtpSink, sms: SmsSink) -> None:
        self.kafka, self.services, self.keys, self.clock, self.smtp, self.sms = kafka, services, keys, clock, smtp, sms
        self.urls = services.urls


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    work = tmp_path_factory.mktemp("chaos")
    kafka, store = start_kafka(work / "kafka"), start_store(work / "store")
    smtp, sms = start_smtp_sink(work / "smtp"), start_sms_sink(work / "sms")
    keys, clock = issue_local_keys(work / "keys", demo_file("hsds")), PlatformClock(work / "clock-offset")
    settings = ServiceSettings(kafka=kafka.access, mongodb_url=store.url,
                               directory_path=demo_file("hsds"), policy_path=demo_file("policy.yaml"),
                               smtp_host=smtp.host, smtp_port=smtp.port, sms_api_url=sms.url,
                               api_keys_path=keys.hashes_path)
    services = start_services(work / "services", settings,
                              extra_env={"CLOCK_OFFSET_FILE": str(clock.path), "SWEEP_SECONDS": "1"})
    try:
        yield Platform(kafka, services, keys, clock, smtp, sms)
    finally:
        for stop in (services.stop, sms.stop, smtp.stop, store.stop, kafka.stop):
            stop()


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


class Agency:
    """gp-north refers; cmh-east works each referral to engagement, as the chaos goes on."""

    def __init__(self, platform: Platform, run: str) -> None:
        self.platform, self.run = platform, run
        self.submitted: dict[str, str] = {}  # client reference -> referral id
        self.lock = threading.Lock()

    def submit(self, reference: str, **changes) -> str:
        person = {**referral_payload()["person"], "identifier": f"P-{uuid5(NAMESPACE_URL, reference).hex[:12]}"}
        payload = referral_payload(client_reference=reference, person=person, **changes)
        response = until_done(f"submitting {reference}", lambda: httpx.post(
            f"{self.platform.urls['intake']}/v1/referrals", json=payload,
            headers=self.platform.keys.headers("gp-north"), timeout=10))
        assert response.status_code == 202, response.text
        with self.lock:
            self.submitted[reference] = response.json()["referral_id"]
        return response.json()["referral_id"]

    def view(self, referral_id: str) -> httpx.Response:
        return httpx.get(f"{self.platform.urls['tracking']}/v1/referrals/{referral_id}",
                         headers=self.platform.keys.headers(OVERSIGHT), timeout=10)

    def work(self, reference: str) -> None:
        referral_id = self.submit(reference)
        until_done(f"{reference} assigned", lambda: r if (r := self.view(referral_id)).status_code == 200
                   and r.json()["state"] == "assigned" else None)
        for kind in WORK:
            body = {"kind": kind, "actor": LEAD, "milestone_id": str(milestone_id(reference, kind)),
                    **DETAILS.get(kind, {})}
            response = until_done(f"{reference} {kind}", lambda: httpx.post(
                f"{self.platform.urls['tracking']}/v1/referrals/{referral_id}/milestones", json=body,
                headers=self.platform.keys.headers("cmh-east"), timeout=10))
            assert response.status_code in (200, 201), response.text


def milestone_id(reference: str, kind: str):
    return uuid5(NAMESPACE_URL, f"{reference}/{kind}")


def test_nothing_is_lost_or_sent_twice_through_crashes_and_a_broker_restart(platform: Platform) -> None:
    run = uuid4().hex[:6]
    agency = Agency(platform, run)
    crisis = [f"CHAOS-{run}-C{i}" for i in range(CRISIS)]
    crisis_ids = [agency.submit(ref, presenting_needs=["discharged from hospital yesterday"]) for ref in crisis]
    for referral_id in crisis_ids:
        until_done("crisis referral assigned", lambda: r if (r := agency.view(referral_id)).status_code == 200
                   and r.json()["state"] == "assigned" else None)
    routine: list[str] = []

    with ThreadPoolExecutor(max_workers=12) as load:
        futures = []

        def keep_load(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                routine.append(f"CHAOS-{run}-R{len(routine)}")
                futures.append(load.submit(agency.work, routine[-1]))
                time.sleep(NEW_REFERRAL_EVERY)

        keep_load(3)
        platform.clock.advance(timedelta(hours=25))  # every crisis referral's first contact is now overdue
        for name in ("notifier", "tracking", "intake", "triage"):
            keep_load(4)
            platform.services[name].crash_and_restart()
        keep_load(3)
        platform.kafka.crash_and_restart()
        keep_load(3)
        for future in futures:
            future.result(timeout=400)

    tracked = {ref: agency.view(rid).json() for ref, rid in agency.submitted.items()}
    lost = [ref for ref in routine if tracked[ref]["state"] != "closed"
            or {str(milestone_id(ref, k)) for k in WORK} - {t["event_id"] for t in tracked[ref]["timeline"]}]

    def breaches_told() -> list[str]:
        views = {ref: agency.view(rid).json() for ref, rid in zip(crisis, crisis_ids, strict=True)}
        return [ref for ref, v in views.items()
                if {n["channel"] for e in v["escalations"] if e["step"] == "breach" for n in e["notified"]}
                >= {"email", "sms"}]

    deadline = time.monotonic() + 120
    while len(breaches_told()) < CRISIS and time.monotonic() < deadline:
        time.sleep(1)
    emails, texts = platform.smtp.messages(), platform.sms.messages()
    repeated_emails = [k for k, n in Counter((m["Message-ID"]) for m in emails).items() if n > 1]
    repeated_texts = [k for k, n in Counter((t["to"], t["body"]) for t in texts).items() if n > 1]
    closure_emails = Counter(m["Subject"].rsplit(" ", 1)[-1] for m in emails if m["Subject"].startswith("Referral closed"))
    print(f"\nchaos: submitted {len(agency.submitted)}, tracked {len(tracked)}, lost {len(lost)}, "
          f"deadlines due {CRISIS}, breaches told by e-mail and SMS {len(breaches_told())}, "
          f"duplicated notifications {len(repeated_emails) + len(repeated_texts)}")
    assert len(tracked) == len(routine) + CRISIS and lost == []
    assert sorted(breaches_told()) == sorted(crisis)
    assert repeated_emails == [] and repeated_texts == []
    assert all(closure_emails[ref] == 1 for ref in routine), closure_emails
