"""Topic names: the only place a service learns where to publish or subscribe.

Every topic carries events keyed by referral id, so all events of one referral stay ordered
within its topic. A record that cannot be parsed or breaks its contract goes to the topic's
dead-letter twin (see `dead_letter_topic`).
"""

# Inbound: agencies publish the same JSON they would POST to intake's HTTP API.
REFERRALS_INBOUND = "referrals.inbound.v1"
MILESTONES_INBOUND = "milestones.inbound.v1"

# Domain events (envelopes from referral_contracts.events).
REFERRAL_SUBMITTED = "referral.submitted.v1"  # intake -> triage, tracking
REFERRAL_TRIAGED = "referral.triaged.v1"  # triage -> tracking
REFERRAL_MILESTONES = "referral.milestones.v1"  # intake -> tracking
REFERRAL_CLOSED = "referral.closed.v1"  # tracking -> notifier (closure message to the sender)
REFERRAL_REROUTES = "referral.reroutes.v1"  # tracking -> triage (no wrong door: route it on)
REFERRAL_ESCALATIONS = "referral.escalations.v1"  # tracking -> notifier (named leads)
NOTIFICATION_OUTCOMES = "notification.outcomes.v1"  # notifier -> tracking (failed deliveries)
REFERRAL_FLAGS = "referral.flags.v1"  # tracking -> oversight, notifier (duplicates, unknown outcomes)
DIRECTORY_CAPACITY = "directory.capacity.v1"  # agencies / triage -> triage (keyed by service id)

DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return topic + DEAD_LETTER_SUFFIX


SOURCE_TOPICS = (
    REFERRALS_INBOUND,
    MILESTONES_INBOUND,
    REFERRAL_SUBMITTED,
    REFERRAL_TRIAGED,
    REFERRAL_MILESTONES,
    REFERRAL_CLOSED,
    REFERRAL_REROUTES,
    REFERRAL_ESCALATIONS,
    REFERRAL_FLAGS,
    NOTIFICATION_OUTCOMES,
    DIRECTORY_CAPACITY,
)
ALL_TOPICS = SOURCE_TOPICS + tuple(dead_letter_topic(t) for t in SOURCE_TOPICS)
