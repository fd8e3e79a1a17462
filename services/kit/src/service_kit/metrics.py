"""Prometheus metrics every service exposes on /metrics: messages consumed and produced per topic,
handler latency, handler errors, dead letters and consumer lag. Services add their own (tracking: open referrals
by state and tier, overdue, escalations fired)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CONSUMED = Counter("referral_messages_consumed", "Records handled, by topic.", ["topic"])
PRODUCED = Counter("referral_messages_produced", "Events published, by topic.", ["topic"])
HANDLER_SECONDS = Histogram("referral_handler_seconds", "Time to handle one record, by topic.", ["topic"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
HANDLER_ERRORS = Counter("referral_handler_errors", "Handling failures (retried), by topic.", ["topic"])
DEAD_LETTERS = Counter("referral_dead_letters", "Records sent to a dead-letter topic, by source topic.", ["topic"])
CONSUMER_LAG = Gauge("referral_consumer_lag", "Records behind the partition's end, after the last one handled.",
                     ["topic", "partition"])


def record_lag(consumer: object, topic: str, partition: int, offset: int) -> None:
    """The consumer's last known end of the partition minus what was just handled (when known).

    Never fails the handling it follows: a partition revoked by a rebalance while its record was
    handled has no end here any more (aiokafka asserts it is assigned), and the record, handled
    already, must not count as failed: retried, a notification would go out again, and after three
    tries a good record would be dead-lettered (seen in the cluster chaos run)."""
    highwater, assignment = getattr(consumer, "highwater", None), getattr(consumer, "assignment", None)
    if highwater is None or assignment is None:
        return
    from aiokafka import TopicPartition

    owned = TopicPartition(topic, partition)
    if owned not in assignment():  # moved to another replica: its new owner tells the lag
        return
    end = highwater(owned)
    if end is not None:
        CONSUMER_LAG.labels(topic, str(partition)).set(max(0, end - offset - 1))
