"""The notifier's composition root: the directory its leads are found in, the delivery ledger, the
mail relay and the SMS provider, put together as the Channels every delivery goes through. The
service (entrypoints/app.py) builds them here; a bad directory file stops it before it consumes."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from referral_contracts.directory import Directory
from service_kit.messaging import EventPublisher

from .adapters.delivery_ledger import MongoDeliveryLedger
from .adapters.email_sender import SmtpEmailSender
from .adapters.sms_sender import ProviderSmsSender
from .config import Settings
from .service_layer.deliveries import Channels, Retry


def bootstrap(settings: Settings, *, database: AsyncDatabase, bus: EventPublisher) -> Channels:
    sms = ProviderSmsSender(settings.sms_api_url, account_sid=settings.sms_account_sid,
                            auth_token=settings.sms_auth_token, sender=settings.sms_from) if settings.sms_api_url else None
    return Channels(
        directory=Directory.load(settings.directory_path, settings.directory_extension_path or None),
        ledger=MongoDeliveryLedger(database),
        email=SmtpEmailSender(settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds),
        from_address=settings.smtp_from,
        bus=bus,
        sms=sms,
        retry=Retry(settings.send_attempts, settings.retry_base_seconds),
    )
