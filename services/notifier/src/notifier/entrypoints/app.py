"""Wires the notifier: the directory file, the delivery ledger, the SMTP relay, the SMS provider
and the subscriptions."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo.errors import PyMongoError

from referral_contracts.directory import Directory
from service_kit.app import service_app
from service_kit.messaging import KafkaEventBus, new_broker

from ..adapters.delivery_errors import TransientDeliveryError
from ..adapters.delivery_ledger import MongoDeliveryLedger, connect
from ..adapters.email_sender import SmtpEmailSender
from ..adapters.sms_sender import ProviderSmsSender
from ..config import Settings
from ..service_layer.deliveries import Channels, Retry
from .event_topics import register_subscribers


def create_app(settings: Settings) -> FastAPI:
    # Read once at start: a bad directory file stops the service before it consumes.
    directory = Directory.load(settings.directory_path, settings.directory_extension_path or None)
    broker = new_broker(settings.kafka_bootstrap_servers, client_id="notifier", security=settings.kafka_security())
    # The ledger's store and a relay that stays down are worth waiting out, never a dead letter.
    bus = KafkaEventBus(broker, consumer_name="notifier", transient=(PyMongoError, TransientDeliveryError),
                        stall_seconds=settings.consumer_stall_seconds)
    mongo = connect(settings.mongodb_url)
    register_subscribers(broker, bus, Channels(
        directory=directory,
        ledger=MongoDeliveryLedger(mongo[settings.mongodb_database]),
        email=SmtpEmailSender(settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds),
        from_address=settings.smtp_from,
        bus=bus,
        sms=ProviderSmsSender(settings.sms_api_url, account_sid=settings.sms_account_sid,
                              auth_token=settings.sms_auth_token, sender=settings.sms_from)
        if settings.sms_api_url else None,
        retry=Retry(settings.send_attempts, settings.retry_base_seconds),
    ))

    async def mongo_answers() -> bool:
        return bool((await mongo.admin.command("ping")).get("ok"))

    return service_app(
        title="Referral notifier",
        broker=broker,
        on_stop=[mongo.close],
        readiness={"mongodb": mongo_answers},
        consumers=bus.progress,
    )
