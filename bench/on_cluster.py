"""Measurement 2 on the cluster: the pipeline on three Kafka nodes (three copies of every topic,
min.insync.replicas=2, acks=all) with two replicas of every service, beside the single node's figure
in the same run; and what a referral costs on Kafka's disks there (`make bench`, BENCH_CLUSTER=0
leaves it out)."""

from __future__ import annotations

import asyncio
import latency
import throughput
from stack import BenchStack

CLUSTER_REPLICAS = 2  # processes of each service


def measure(stack: BenchStack) -> dict:
    """Pipeline referrals per second, median of throughput.REPEATS runs with its spread; bytes on
    Kafka's disks (records in the log segments) per referral through the pipeline, per copy."""
    watcher = latency.TrackedDecisions(stack.store.url)
    try:
        before = stack.kafka.log_bytes()
        flow = [asyncio.run(throughput.pipeline(stack.kafka.access, watcher)) for _ in range(throughput.REPEATS)]
        grown = stack.kafka.log_bytes() - before
    finally:
        watcher.close()
    referrals = throughput.PIPELINE_REFERRALS * throughput.REPEATS
    copies = len(stack.kafka.nodes)
    return {"brokers": copies, "replicas_per_service": CLUSTER_REPLICAS,
            "partitions": stack.kafka.partitions, "pipeline_referrals_per_second": throughput.spread(flow),
            "kafka_bytes_per_referral_per_copy": round(grown / referrals / copies)}
