"""Chaos under steady load (`make chaos`): while agencies submit and work referrals, each service in
turn is killed with SIGKILL and restarted, and the Kafka broker is killed and restarted once.
Afterwards every submitted referral is in tracking with every milestone, no notification was sent
twice, and every deadline that fell due fired. The counts are printed.

Agencies behave as real clients do (tests/chaos_load.py): a request that fails (a service down) is
sent again, with the same content or the same milestone id, which the platform recognises. The same
run on a three-node cluster with two replicas of every service: tests/cluster (`make chaos-cluster`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from uuid import uuid4

import pytest
from devstack.clock import PlatformClock
from devstack.kafka import LocalKafka, start_kafka
from devstack.keys import LocalKeys, issue_local_keys
from devstack.paths import demo_file
from devstack.services import RunningServices, ServiceSettings, start_services
from devstack.sms_sink import SmsSink, start_sms_sink
from devstack.smtp_sink import SmtpSink, start_smtp_sink
from devstack.store import start_store

from chaos_load import Agency, closure_emails, sent_twice

pytestmark = pytest.mark.chaos
CRISIS = 8  # referrals left to breach their 24-hour deadline (the rest are worked to closure)
NEW_REFERRAL_EVERY = 0.4  # seconds: the steady load, kept up for the whole chaos sequence


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


def test_nothing_is_lost_or_sent_twice_through_crashes_and_a_broker_restart(platform: Platform) -> None:
    run = uuid4().hex[:6]
    agency = Agency({name: [url] for name, url in platform.urls.items()}, platform.keys)
    crisis = [f"CHAOS-{run}-C{i}" for i in range(CRISIS)]
    crisis_ids = {ref: agency.submit(ref, presenting_needs=["discharged from hospital yesterday"]) for ref in crisis}
    for ref, referral_id in crisis_ids.items():
        agency.wait_assigned(ref, referral_id)
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

    unclosed, missing = agency.lost(routine)
    deadline = time.monotonic() + 120
    while len(agency.breaches_told(crisis_ids)) < CRISIS and time.monotonic() < deadline:
        time.sleep(1)
    emails, texts = platform.smtp.messages(), platform.sms.messages()
    repeated_emails, repeated_texts = sent_twice(emails, texts)
    closures = closure_emails(emails)
    told = agency.breaches_told(crisis_ids)
    print(f"\nchaos: submitted {len(agency.submitted)}, lost {len(unclosed)} referrals and {len(missing)} milestones, "
          f"deadlines due {CRISIS}, breaches told by e-mail and SMS {len(told)}, "
          f"duplicated notifications {len(repeated_emails) + len(repeated_texts)}")
    assert len(agency.submitted) == len(routine) + CRISIS and unclosed == [] and missing == []
    assert sorted(told) == sorted(crisis)
    assert repeated_emails == [] and repeated_texts == []
    assert all(closures[ref] == 1 for ref in routine), closures
