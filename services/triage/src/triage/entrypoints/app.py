"""Wires triage: the subscriptions and the directory HTTP API around what bootstrap.py builds."""

from __future__ import annotations

from fastapi import FastAPI

from referral_contracts import CapacityChanged, ReferralSubmitted, RerouteRequested, topics, utc_now
from referral_contracts.listings import Listing
from service_kit.app import service_app
from service_kit.auth import KeyRegistry
from service_kit.messaging import KafkaEventBus, new_broker, subscribe
from service_kit.records import Record

from ..bootstrap import bootstrap
from ..config import Settings
from ..service_layer.triage_referral import triage_reroute, triage_submitted
from .http_api import http_routes

GROUP = "triage"


def create_app(settings: Settings) -> FastAPI:
    triage = bootstrap(settings)
    directory, policy = triage.directory, triage.policy
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="triage", security=settings.kafka_security())
    bus = KafkaEventBus(broker, consumer_name="triage", stall_seconds=settings.consumer_stall_seconds)

    async def on_submitted(event: ReferralSubmitted, _: Record) -> None:
        await triage_submitted(event, directory=directory.current, policy=policy, bus=bus, now=utc_now())

    async def on_reroute(event: RerouteRequested, _: Record) -> None:
        await triage_reroute(event, directory=directory.current, policy=policy, bus=bus, now=utc_now())

    async def on_capacity(event: CapacityChanged, _: Record) -> None:
        directory.apply(event)

    subscribe(broker, bus, topic=topics.REFERRAL_SUBMITTED, model=ReferralSubmitted, group_id=GROUP,
              handle=on_submitted)
    subscribe(broker, bus, topic=topics.REFERRAL_REROUTES, model=RerouteRequested, group_id=GROUP,
              handle=on_reroute)
    # No consumer group: every instance reads the whole capacity topic from the start, on every
    # start, so each rebuilds the current capacity of every service for itself.
    subscribe(broker, bus, topic=topics.DIRECTORY_CAPACITY, model=CapacityChanged, group_id=None,
              handle=on_capacity)

    async def on_listing(listing: Listing, _: Record) -> None:
        directory.list(listing.root)

    subscribe(broker, bus, topic=topics.DIRECTORY_AGENCIES, model=Listing, group_id=None, handle=on_listing)
    app = service_app(title="Referral triage", broker=broker, routers=[http_routes(lambda: directory.current, bus,
                                                                                  KeyRegistry.load(settings.api_keys_path))],
                      consumers=bus.progress)
    app.state.directory = directory
    return app
