"""Wires tracking: Kafka subscriptions, the MongoDB store, the HTTP API and the sweeps."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial

from fastapi import FastAPI
from pymongo.errors import PyMongoError

from referral_contracts import utc_now
from referral_contracts.policy import load_policy
from service_kit.app import service_app
from service_kit.auth import KeyRegistry
from service_kit.messaging import KafkaEventBus, new_broker

from ..adapters.learning_store import MongoLearningStore
from ..adapters.referral_store import MongoReferralStore, connect
from ..config import Settings
from ..domain.deadlines import next_due_at
from ..service_layer.learning import note_crisis as _note_crisis
from ..service_layer.sweeps import flag_unknown_outcomes
from .background import DeadlineWatcher, every
from .event_topics import register_event_subscribers
from .fhir_api import fhir_routes
from .http_api import http_routes
from .learning_api import learning_routes
from .metrics import OUTCOMES_FLAGGED
from .metrics import refresh as refresh_metrics
from .oversight_api import oversight_routes

def create_app(settings: Settings) -> FastAPI:
    # The partnership's ladder and thresholds, shared with triage through the one policy file.
    policy = load_policy(settings.policy_path)
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="tracking", security=settings.kafka_security())
    # The store's errors are worth waiting out: a record is never dead-lettered because the store was down.
    bus = KafkaEventBus(broker, consumer_name="tracking", transient=(PyMongoError,),
                        stall_seconds=settings.consumer_stall_seconds)
    mongo = connect(settings.mongodb_url)
    keys = KeyRegistry.load(settings.api_keys_path)
    watcher = DeadlineWatcher(bus=bus, policy=policy, longest_sleep=settings.sweep_seconds)
    store = MongoReferralStore(mongo[settings.mongodb_database], next_due=partial(next_due_at, policy=policy),
                               on_next_due=watcher.due_at)  # a view due sooner wakes the watcher
    learning = MongoLearningStore(mongo[settings.mongodb_database])
    register_event_subscribers(broker, bus, store, after_triage=partial(
        _note_crisis, store=store, learning=learning, policy=policy))
    background: list[asyncio.Task] = []

    async def flag_quiet_referrals() -> None:
        flagged = await flag_unknown_outcomes(store=store, bus=bus, now=utc_now(),
                                              after_days=policy.unknown_outcome_after_days)
        OUTCOMES_FLAGGED.inc(flagged)

    async def start_background() -> None:
        background.extend(asyncio.create_task(loop) for loop in (
            watcher.run_forever(store),
            every(settings.sweep_seconds, "unknown-outcome sweep", flag_quiet_referrals),
            every(settings.metrics_seconds, "metrics refresh", lambda: refresh_metrics(store.referrals, utc_now())),
        ))

    async def stop_background() -> None:
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def mongo_answers() -> bool:
        return bool((await mongo.admin.command("ping")).get("ok"))

    return service_app(
        title="Referral tracking",
        broker=broker,
        routers=[http_routes(store, bus, policy, keys), oversight_routes(store.referrals, keys),
                 fhir_routes(store, keys), learning_routes(learning, policy, keys)],
        on_start=[store.ensure_indexes, learning.ensure_indexes, start_background],
        on_stop=[stop_background, mongo.close],
        readiness={"mongodb": mongo_answers},
        consumers=bus.progress,
    )
