"""Each running service's /metrics (Prometheus), scraped before and after a referral travels the
whole loop: the counters of the topics each service consumes and produces move."""

from __future__ import annotations

import httpx
import pytest
from devstack.kafka import TOPIC_PARTITIONS
from prometheus_client.parser import text_string_to_metric_families

from polling import eventually
from referral_contracts import topics
from referral_driver import Loop

pytestmark = pytest.mark.e2e
MOVING = {  # service -> (metric sample, topic) that a closed loop must move
    "intake": [("referral_messages_produced_total", topics.REFERRAL_SUBMITTED)],
    "triage": [("referral_messages_consumed_total", topics.REFERRAL_SUBMITTED),
               ("referral_messages_produced_total", topics.REFERRAL_TRIAGED)],
    "tracking": [("referral_messages_consumed_total", topics.REFERRAL_TRIAGED),
                 ("referral_messages_produced_total", topics.REFERRAL_CLOSED)],
    "notifier": [("referral_messages_consumed_total", topics.REFERRAL_CLOSED),
                 ("referral_messages_produced_total", topics.NOTIFICATION_OUTCOMES)],
    "oversight": [("referral_messages_consumed_total", topics.REFERRAL_CHANGES)],
}


def scrape(url: str) -> dict[tuple[str, str], float]:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    return {(sample.name, sample.labels.get("topic", "")): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_the_counters_move_during_a_closed_loop(running_services, api_keys) -> None:
    before = {name: scrape(url) for name, url in running_services.items()}
    loop, waiting = Loop(running_services, api_keys), Loop(running_services, api_keys)
    loop.wait_for("assigned"), waiting.wait_for("assigned")  # `waiting` stays open
    loop.accept()
    loop.record("contact_attempted", attempt_number=1, outcome="reached", channel="phone")
    loop.record("engaged")
    loop.wait_for("closed")

    def moved() -> dict | None:
        after = {name: scrape(url) for name, url in running_services.items()}
        still = [(name, key) for name, keys in MOVING.items() for key in keys
                 if after[name].get(key, 0) <= before[name].get(key, 0)]
        return None if still or ("referral_open", "") not in after["oversight"] else after

    after = eventually(moved, "every service's counters to move")
    assert after["tracking"][("referral_handler_seconds_count", topics.REFERRAL_TRIAGED)] >= 1
    assert ("referral_overdue", "") in after["oversight"]  # recounted from its projection, with referral_open
    assert ("referral_consumer_lag", topics.REFERRAL_CHANGES) in after["oversight"]  # how far the figures trail
    assert ("referral_consumer_lag", topics.REFERRAL_CLOSED) in after["notifier"]
    # One replica per service here: each owns every partition of what its group reads.
    assert after["triage"][("referral_assigned_partitions", topics.REFERRAL_SUBMITTED)] == TOPIC_PARTITIONS
    assert after["notifier"][("referral_assigned_partitions", topics.REFERRAL_CLOSED)] == TOPIC_PARTITIONS
