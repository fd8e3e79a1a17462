"""Wires tracking: Kafka subscriptions, the MongoDB store, the HTTP API and the sweeps. Oversight's
figures, the quality review and the issue log are the oversight service's (services/oversight),
fed by what tracking publishes."""

from __future__ import annotations


from fastapi import FastAPI
from pymongo.errors import PyMongoError

from referral_contracts import utc_now
from referral_contracts.policy import load_policy
from service_kit.app import service_app
from service_kit.auth import KeyRegistry
from service_kit.messaging import KafkaEventBus, new_broker
from service_kit.periodic import BackgroundLoops, every

from tracking.bootstrap import bootstrap, ensure_indexes
from tracking.config import Settings
from tracking.deadlines.metrics import OUTCOMES_FLAGGED
from tracking.deadlines.sweeps import flag_unknown_outcomes
from tracking.deadlines.watcher import DeadlineWatcher
from tracking.fhir.api import fhir_routes
from tracking.lifecycle.api import http_routes
from tracking.lifecycle.mongo import connect
from tracking.lifecycle.subscriptions import register_event_subscribers
from tracking.persons.crisis_service import note_crisis

def create_app(settings: Settings) -> FastAPI:
    # The partnership's ladder and thresholds, shared with triage through the one policy file.
    policy = load_policy(settings.policy_path)
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="tracking", security=settings.kafka_security())
    # The store's errors are worth waiting out: a record is never dead-lettered because the store was down.
    bus = KafkaEventBus(broker, consumer_name="tracking", transient=(PyMongoError,),
                        stall_seconds=settings.consumer_stall_seconds)
    mongo = connect(settings.mongodb_url)
    keys = KeyRegistry.load(settings.api_keys_path)
    watcher = DeadlineWatcher(longest_sleep=settings.sweep_seconds)
    tracking = bootstrap(mongo[settings.mongodb_database], bus=bus, policy=policy,
                         escalation_stored=watcher.due_at)  # a view due sooner wakes the watcher

    async def after_triage(triage, view) -> None:  # the person's crises: tracking holds the person
        await note_crisis(triage, view, tracking)

    register_event_subscribers(broker, bus, tracking, after_triage=after_triage)

    async def flag_quiet_referrals() -> None:
        flagged = await flag_unknown_outcomes(tracking, now=utc_now())
        OUTCOMES_FLAGGED.inc(flagged)

    background = BackgroundLoops(lambda: watcher.run_forever(tracking),
                                 lambda: every(settings.sweep_seconds, "unknown-outcome sweep", flag_quiet_referrals))

    async def mongo_answers() -> bool:
        return bool((await mongo.admin.command("ping")).get("ok"))

    return service_app(
        title="Referral tracking",
        broker=broker,
        routers=[http_routes(tracking, keys), fhir_routes(tracking.stores.views, keys)],
        on_start=[lambda: ensure_indexes(tracking.stores), background.start],
        on_stop=[background.stop, mongo.close],
        readiness={"mongodb": mongo_answers},
        consumers=bus.progress,
    )
