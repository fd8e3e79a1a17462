"""Kafka's ACLs come from one table (referral_contracts.topology); this holds the table to the code.
Each service's app is built as it runs, and what its FastStream broker subscribes to (topics,
patterns, consumer groups) must be exactly what the table lets it read and join: a subscription the
table forgot would be refused by the broker, a read the table grants that nothing uses is access
nobody needs."""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from devstack.paths import demo_file
from devstack.services import app_module
from referral_ops.topics import platform_topics

from referral_contracts.directory import Directory
from referral_contracts.topology import SERVICE_NAMES, Prefix, service_use
from tracking.replay.rebuild import REPLAYED_TOPICS

AGENCIES = [agency.id for agency in Directory.load(demo_file("hsds")).agencies]
EVERY_TOPIC = platform_topics(demo_file("hsds"))
# Read without a subscription: tracking's replay rebuilds its store from these (no group).
READ_OUTSIDE_SUBSCRIPTIONS = {"tracking": set(REPLAYED_TOPICS)}


def subscriptions(service: str) -> list[tuple[list[str], str | None, str | None]]:
    """(topics, pattern, group id) of every subscriber of the service's app, built as it runs."""
    settings_type = import_module(f"{service}.config").Settings
    settings = settings_type(**{k: v for k, v in {
        "api_keys_path": "", "directory_path": str(demo_file("hsds")), "policy_path": str(demo_file("policy.yaml")),
    }.items() if k in settings_type.model_fields})
    app = import_module(app_module(service)).create_app(settings)
    return [([], s.pattern.broker_address, s.group_id) if s.pattern else (list(s.topic_names), None, s.group_id)
            for s in app.state.broker.subscribers]  # a pattern: the regular expression Kafka is given


def allows(granted: tuple[str | Prefix, ...], topic: str) -> bool:
    return any(topic.startswith(g.value) if isinstance(g, Prefix) else topic == g for g in granted)


def consumed_topics(subscribed: list[tuple[list[str], str | None, str | None]]) -> set[str]:
    """Every topic of the platform the subscriptions take records from (a pattern's: those it matches)."""
    found: set[str] = set()
    for names, pattern, _ in subscribed:
        found |= set(names)
        if pattern:
            matched = {t for t in EVERY_TOPIC if re.fullmatch(pattern, t)}
            assert matched, f"the pattern {pattern} matches no topic of the platform"
            found |= matched
    return found


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_subscription_of_a_service_is_one_the_table_allows(service: str) -> None:
    subscribed, use = subscriptions(service), service_use(service, AGENCIES)
    assert subscribed, f"{service} subscribes to nothing"
    unread = sorted(t for t in consumed_topics(subscribed) if not allows(use.reads, t))
    assert unread == [], f"{service} consumes topics the table does not let it read"
    groups = {group for _, _, group in subscribed if group is not None}
    assert groups == set(use.groups), f"{service} joins groups {groups}, the table allows {use.groups}"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_table_grants_a_service_no_read_it_does_not_use(service: str) -> None:
    used = consumed_topics(subscriptions(service)) | READ_OUTSIDE_SUBSCRIPTIONS.get(service, set())
    for granted in service_use(service, AGENCIES).reads:
        assert any(allows((granted,), topic) for topic in used), f"{service} may read {granted} but never does"
