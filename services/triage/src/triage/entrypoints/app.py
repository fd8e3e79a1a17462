"""Wires triage: the directory and policy files, and the subscription to submitted referrals."""

from __future__ import annotations

from fastapi import FastAPI
from faststream.kafka.message import KafkaMessage

from referral_contracts import ReferralSubmitted, topics, utc_now
from referral_contracts.directory import Directory
from service_kit.app import service_app
from service_kit.messaging import KafkaEventBus, new_broker, subscribe

from ..config import Settings
from ..domain import load_policy
from ..service_layer.triage_referral import triage_submitted


def create_app(settings: Settings) -> FastAPI:
    # Read once at start: a bad directory or policy file stops the service before it consumes.
    directory = Directory.load(settings.directory_path)
    policy = load_policy(settings.policy_path)
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="triage")
    bus = KafkaEventBus(broker, consumer_name="triage")

    async def on_submitted(event: ReferralSubmitted, _: KafkaMessage) -> None:
        await triage_submitted(event, directory=directory, policy=policy, bus=bus, now=utc_now())

    subscribe(broker, bus, topic=topics.REFERRAL_SUBMITTED, model=ReferralSubmitted, group_id="triage",
              handle=on_submitted)
    return service_app(title="Referral triage", broker=broker)
