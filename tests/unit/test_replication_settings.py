"""How many copies a topic keeps and what that asks of a write: one rule (the contracts'
replicated_config), the brokers' own topics alike (referral_ops.topics.broker_config), the same in
the local cluster's node files and in the Kubernetes manifests."""

from __future__ import annotations

from devstack.kafka import server_properties
from referral_contracts import topics
from referral_ops.topics import broker_config


def test_three_copies_acknowledge_on_two_and_never_elect_a_stale_copy() -> None:
    assert topics.replicated_config(3) == {"min.insync.replicas": "2", "unclean.leader.election.enable": "false"}
    assert topics.replicated_config(1) == {}  # one broker: Kafka's defaults
    config = topics.topic_config(topics.REFERRAL_CHANGES, 3)
    assert config["cleanup.policy"] == "compact" and config["min.insync.replicas"] == "2"
    assert topics.topic_config(topics.REFERRAL_CHANGES) == {"cleanup.policy": "compact", "retention.ms": "-1"}


def test_kafka_s_own_topics_are_as_safe_as_the_platform_s() -> None:
    config = broker_config(3)
    assert config["offsets.topic.replication.factor"] == "3" and config["transaction.state.log.min.isr"] == "2"
    assert config["min.insync.replicas"] == "2" and config["unclean.leader.election.enable"] == "false"
    assert broker_config(1)["offsets.topic.replication.factor"] == "1"


def test_a_cluster_node_knows_every_voter_and_keeps_three_copies() -> None:
    voters = "1@127.0.0.1:9001,2@127.0.0.1:9002,3@127.0.0.1:9003"
    lines = server_properties(9102, 9002, "/data", "secret", node_id=2, voters=voters, controller_password="shared",
                              replicas=3).splitlines()
    assert "node.id=2" in lines and f"controller.quorum.voters={voters}" in lines
    assert "default.replication.factor=3" in lines and "min.insync.replicas=2" in lines
    assert sum('user_admin="shared"' in line for line in lines) == 1  # the nodes share the controller login
