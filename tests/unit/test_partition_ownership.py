"""What a replica owns in its consumer groups, as /metrics shows it (service_kit.progress): a count
per topic and each partition, which drops to 0 when a rebalance gives it to another replica."""

from __future__ import annotations

from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from service_kit.progress import ConsumerProgress


class Member:
    """A consumer group member as FastStream's subscriber exposes it: `.consumer.assignment()`."""

    def __init__(self, *owned: tuple[str, int]) -> None:
        self.consumer = self
        self.owned = {TopicPartition(topic, partition) for topic, partition in owned}

    def assignment(self) -> set[TopicPartition]:
        return self.owned


def sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_owned_partitions_by_topic_and_what_moved_away() -> None:
    progress, member, everyone = ConsumerProgress(), Member(("t.owned.v1", 0), ("t.owned.v1", 3)), Member(("t.all", 1))
    progress.watch(member, grouped=True)
    progress.watch(everyone, grouped=False)  # groupless: reads every partition, owns none
    assert progress.owned() == {"t.owned.v1": [0, 3]}
    assert sample("referral_assigned_partitions", topic="t.owned.v1") == 2
    assert sample("referral_partition_owned", topic="t.owned.v1", partition="3") == 1
    assert sample("referral_assigned_partitions", topic="t.all") is None

    member.owned = {TopicPartition("t.owned.v1", 0)}  # a second replica joined: partition 3 moved to it
    assert progress.owned() == {"t.owned.v1": [0]}
    assert sample("referral_assigned_partitions", topic="t.owned.v1") == 1
    assert sample("referral_partition_owned", topic="t.owned.v1", partition="3") == 0

    member.owned = set()  # revoked during a rebalance
    assert progress.owned() == {}
    assert sample("referral_assigned_partitions", topic="t.owned.v1") == 0
    assert sample("referral_partition_owned", topic="t.owned.v1", partition="0") == 0


class Fetching(Member):
    """A member that knows each owned partition's end, and asserts as aiokafka does on any other."""

    def highwater(self, tp: TopicPartition) -> int:
        assert tp in self.owned, "Partition is not assigned"
        return 10


def test_a_record_handled_while_its_partition_moved_away_is_not_a_failure() -> None:
    from service_kit.metrics import record_lag

    member = Fetching(("t.lag.v1", 0))
    record_lag(member, "t.lag.v1", 0, 4)
    assert sample("referral_consumer_lag", topic="t.lag.v1", partition="0") == 5
    member.owned = set()  # revoked by a rebalance while the record was handled
    record_lag(member, "t.lag.v1", 0, 5)  # neither raises (the handling would be retried) nor tells a stale lag
    assert sample("referral_consumer_lag", topic="t.lag.v1", partition="0") == 5
