"""Wires tracking: Kafka subscriptions, the MongoDB store, the HTTP API and the sweeps."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from referral_contracts import utc_now
from referral_contracts.policy import load_policy
from service_kit.app import service_app
from service_kit.messaging import KafkaEventBus, new_broker

from ..adapters.referral_store import MongoReferralStore, connect
from ..config import Settings
from ..service_layer.sweeps import flag_unknown_outcomes
from .event_topics import register_event_subscribers
from .http_api import http_routes

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    # The partnership's threshold, shared with triage through the one policy file.
    quiet_days = load_policy(settings.policy_path).unknown_outcome_after_days
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="tracking")
    bus = KafkaEventBus(broker, consumer_name="tracking")
    mongo = connect(settings.mongodb_url)
    store = MongoReferralStore(mongo[settings.mongodb_database])
    register_event_subscribers(broker, bus, store)
    sweeper: list[asyncio.Task] = []

    async def sweep_forever() -> None:
        while True:
            await asyncio.sleep(settings.unknown_outcome_sweep_seconds)
            try:
                flagged = await flag_unknown_outcomes(store=store, bus=bus, now=utc_now(),
                                                      after_days=quiet_days)
                if flagged:
                    log.info("flagged %d referrals with unknown outcome", flagged)
            except Exception:  # the next sweep tries again; a sweep must never stop the service
                log.exception("unknown-outcome sweep failed")

    async def start_sweeper() -> None:
        sweeper.append(asyncio.create_task(sweep_forever()))

    async def stop_sweeper() -> None:
        for task in sweeper:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def mongo_answers() -> bool:
        return bool((await mongo.admin.command("ping")).get("ok"))

    return service_app(
        title="Referral tracking",
        broker=broker,
        routers=[http_routes(store, bus)],
        on_start=[store.ensure_indexes, start_sweeper],
        on_stop=[stop_sweeper, mongo.close],
        readiness={"mongodb": mongo_answers},
    )
