"""Topic names: the only place a service learns where to publish or subscribe.

Every topic carries events keyed by referral id, so all events of one referral stay ordered
within its topic. A record that cannot be parsed or breaks its contract goes to the topic's
dead-letter twin (see `dead_letter_topic`).
"""

import re
from collections.abc import Iterable

# Inbound: agencies publish the same JSON they would POST to the HTTP APIs, each to topics of its
# own (`referrals.inbound.v1.<agency id>`), so Kafka's ACLs decide who may write as whom: the
# agency's principal gets WRITE on its two literal topics and nothing else. A record whose agency is
# not the topic's goes to the dead-letter topic.
REFERRALS_INBOUND = "referrals.inbound.v1"
MILESTONES_INBOUND = "milestones.inbound.v1"
_AGENCY = r"(?P<agency>[a-z0-9][a-z0-9-]*)"
REFERRALS_INBOUND_PATTERN = rf"^{re.escape(REFERRALS_INBOUND)}\.{_AGENCY}$"
MILESTONES_INBOUND_PATTERN = rf"^{re.escape(MILESTONES_INBOUND)}\.{_AGENCY}$"


def referrals_inbound(agency_id: str) -> str:
    return f"{REFERRALS_INBOUND}.{agency_id}"


def milestones_inbound(agency_id: str) -> str:
    return f"{MILESTONES_INBOUND}.{agency_id}"


def inbound_agency(topic: str) -> str | None:
    """The agency an inbound topic belongs to; None for any other topic."""
    for pattern in (REFERRALS_INBOUND_PATTERN, MILESTONES_INBOUND_PATTERN):
        if found := re.match(pattern, topic):
            return found["agency"]
    return None


# Outbound: what each agency hears back, on a topic of its own that only it may read (Kafka's ACLs):
# receipts and refusals of what it sent, clarification requests, the changes it has a part in and
# the closure (referral_contracts.outbound). Keyed by referral id.
REFERRALS_OUTBOUND = "referrals.outbound.v1"
REFERRALS_OUTBOUND_PATTERN = rf"^{re.escape(REFERRALS_OUTBOUND)}\.{_AGENCY}$"


def referrals_outbound(agency_id: str) -> str:
    return f"{REFERRALS_OUTBOUND}.{agency_id}"


def outbound_agency(topic: str) -> str | None:
    """The agency an outbound topic belongs to; None for any other topic."""
    found = re.match(REFERRALS_OUTBOUND_PATTERN, topic)
    return found["agency"] if found else None

# Domain events (envelopes from referral_contracts.events).
REFERRAL_SUBMITTED = "referral.submitted.v1"  # intake -> triage, tracking
REFERRAL_TRIAGED = "referral.triaged.v1"  # triage -> tracking
REFERRAL_MILESTONES = "referral.milestones.v1"  # intake -> tracking
REFERRAL_CLOSED = "referral.closed.v1"  # tracking -> notifier (closure message to the sender)
REFERRAL_REROUTES = "referral.reroutes.v1"  # tracking -> triage (no wrong door: route it on)
REFERRAL_ESCALATIONS = "referral.escalations.v1"  # tracking -> notifier (named leads)
NOTIFICATION_OUTCOMES = "notification.outcomes.v1"  # notifier -> tracking (failed deliveries)
REFERRAL_FLAGS = "referral.flags.v1"  # tracking -> oversight (duplicates, unknown outcomes, repeated crises)
REFERRAL_CHANGES = "referral.changes.v1"  # tracking -> oversight: each referral's state as it changes (compacted)
DIRECTORY_CAPACITY = "directory.capacity.v1"  # agencies / triage -> triage (keyed by service id)
DIRECTORY_AGENCIES = "directory.agencies.v1"  # referral-ops import-directory -> triage, notifier (keyed by agency id)

DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return topic + DEAD_LETTER_SUFFIX


SOURCE_TOPICS = (
    REFERRAL_SUBMITTED,
    REFERRAL_TRIAGED,
    REFERRAL_MILESTONES,
    REFERRAL_CLOSED,
    REFERRAL_REROUTES,
    REFERRAL_ESCALATIONS,
    REFERRAL_FLAGS,
    REFERRAL_CHANGES,
    NOTIFICATION_OUTCOMES,
    DIRECTORY_CAPACITY,
    DIRECTORY_AGENCIES,
)
ALL_TOPICS = SOURCE_TOPICS + tuple(dead_letter_topic(t) for t in SOURCE_TOPICS)


def agency_topics(agency_ids: Iterable[str]) -> tuple[str, ...]:
    """Each agency's inbound topics with their dead-letter twins, and its outbound topic: created
    when an agency joins."""
    agencies = list(agency_ids)
    inbound = [t for a in agencies for t in (referrals_inbound(a), milestones_inbound(a))]
    return tuple(inbound) + tuple(dead_letter_topic(t) for t in inbound) + tuple(referrals_outbound(a) for a in agencies)


FOREVER = "-1"
DAYS = 24 * 3600 * 1000


def topic_config(topic: str, replicas: int = 1) -> dict[str, str]:
    """What each topic keeps, and for how long (Kafka topic configs), with how it survives a broker's
    loss when it has `replicas` copies (`replicated_config`):
    - domain events: for good, never compacted (keys are referral ids: compaction would keep one
      event per referral): replay rebuilds tracking from them;
    - capacity: compacted, the latest capacity of each service (its key) is what matters; and the
      directory's listings, the latest record of each agency (its key);
    - referral changes: compacted, the latest state of each referral (its key) is what the read
      side rebuilds from;
    - agencies' inbound topics: 7 days (intake turns each record into referral.submitted.v1);
    - agencies' outbound topics: 30 days, time enough for an agency's system to come back from an
      outage and read what it missed;
    - dead letters: 30 days, for people to look into."""
    return _retention(topic) | replicated_config(replicas)


def replicated_config(replicas: int) -> dict[str, str]:
    """How a topic with `replicas` copies stays safe when a broker dies. An acknowledged event
    (producers write with acks=all) is on at least `min.insync.replicas` brokers: all copies but one,
    so one broker may be down (a restart, an upgrade) while writes go on, and a second loss stops
    writes rather than leaving an event on one disk. A replica that fell behind never becomes
    leader (unclean leader election off): it would silently drop acknowledged events. One copy
    (a laptop's single broker): nothing to configure, Kafka's defaults hold."""
    if replicas <= 1:
        return {}
    return {"min.insync.replicas": str(replicas - 1), "unclean.leader.election.enable": "false"}


def _retention(topic: str) -> dict[str, str]:
    if topic.endswith(DEAD_LETTER_SUFFIX):
        return {"cleanup.policy": "delete", "retention.ms": str(30 * DAYS)}
    if topic in (DIRECTORY_CAPACITY, DIRECTORY_AGENCIES, REFERRAL_CHANGES):
        return {"cleanup.policy": "compact", "retention.ms": FOREVER}
    if inbound_agency(topic) is not None:
        return {"cleanup.policy": "delete", "retention.ms": str(7 * DAYS)}
    if outbound_agency(topic) is not None:
        return {"cleanup.policy": "delete", "retention.ms": str(30 * DAYS)}
    return {"cleanup.policy": "delete", "retention.ms": FOREVER}
