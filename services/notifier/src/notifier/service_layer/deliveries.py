"""One delivery path for every notice and channel: once in effect, retried, and reported.

For each recipient: claim the delivery in the ledger (already sent: skip), send with retries and
exponential backoff on transient failures, mark it sent, and tell tracking (NotificationSent) so
the referral's audit says who was told, when and how. When a channel cannot deliver:
- a permanent refusal, or an SMS provider that stays down: NotificationFailed goes to tracking,
  naming the fallback channel (every escalation is also e-mailed);
- an e-mail relay that stays down: the error propagates and the Kafka record is retried, so
  e-mail, the channel of last resort, is never given up on.
Logs name ids only: never a person's name, an address or a number.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from referral_contracts import (
    Actor,
    Delivery,
    DeliveryFailure,
    Event,
    NotificationFailed,
    NotificationSent,
    derived_id,
    topics,
    utc_now,
)
from referral_contracts.directory import Directory, LeadRole
from service_kit.messaging import EventPublisher
from service_kit.tracing import span

from ..adapters.delivery_errors import PermanentDeliveryError, TransientDeliveryError
from ..adapters.delivery_ledger import DeliveryLedger
from ..adapters.email_sender import EmailSender
from ..adapters.sms_sender import SmsSender

log = logging.getLogger(__name__)
NOTIFIER = Actor(agency_id="platform-notifier")


@dataclass(frozen=True)
class Retry:
    attempts: int = 3
    base_seconds: float = 0.5  # waits 0.5 s, 1 s, 2 s, ... between attempts


@dataclass
class Channels:
    """Everything a delivery needs: the directory, the ledger, the channels and the outcomes topic.
    `directory` is the one field that changes: the directory's listings topic keeps it current."""

    directory: Directory
    ledger: DeliveryLedger
    email: EmailSender
    from_address: str
    bus: EventPublisher
    sms: SmsSender | None = None
    retry: Retry = field(default_factory=Retry)


@dataclass(frozen=True)
class Audience:
    """Who a notice is for, by role (the audit names roles and agencies) and by address."""

    agency_id: str
    role: LeadRole
    recipients: list[str]


async def deliver(
    channels: Channels, *, event: Event, channel: str, audience: Audience, purpose: str,
    send: Callable[[str], Awaitable[None]], fallback: str | None = None,
) -> list[str]:
    """The recipients this call delivered to (those delivered before are left out)."""
    delivered: list[str] = []
    for recipient in audience.recipients:
        if not await channels.ledger.claim(event.event_id, channel, recipient):
            # Sent before; say so again (same id, tracking keeps it once) in case a crash came
            # between marking it sent and telling tracking.
            await _report_sent(channels, event, channel, audience, recipient, purpose)
            continue
        try:
            with span(f"send {channel}", purpose=purpose):
                await _with_retries(lambda: send(recipient), channels.retry)
        except (PermanentDeliveryError, TransientDeliveryError) as failure:
            if isinstance(failure, TransientDeliveryError) and fallback is None:
                raise  # the last channel: retry the record until the relay is back
            log.warning("%s for referral %s (event %s) not delivered by %s: %s",
                        purpose, event.referral_id, event.event_id, channel, failure)
            await _report_failed(channels, event, channel, audience, recipient, purpose, str(failure), fallback)
            continue
        await channels.ledger.mark_sent(event.event_id, channel, recipient)
        await _report_sent(channels, event, channel, audience, recipient, purpose)
        delivered.append(recipient)
    log.info("%s for referral %s (event %s) by %s: %d sent, %d sent before or failed", purpose,
             event.referral_id, event.event_id, channel, len(delivered), len(audience.recipients) - len(delivered))
    return delivered


async def _with_retries(attempt_send: Callable[[], Awaitable[None]], retry: Retry) -> None:
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(TransientDeliveryError), stop=stop_after_attempt(retry.attempts),
        wait=wait_exponential(multiplier=retry.base_seconds), reraise=True,
    ):
        with attempt:
            await attempt_send()


def _occurred_at(event: Event):
    # Never before the event it reports on, whatever the clocks of two hosts say: the referral's
    # audit then always shows the notice after what caused it.
    return max(utc_now(), event.occurred_at)


async def _report_sent(channels: Channels, event: Event, channel: str, audience: Audience, recipient: str,
                       purpose: str) -> None:
    await channels.bus.publish(topics.NOTIFICATION_OUTCOMES, NotificationSent.create(
        event_id=derived_id(event.event_id, "sent", channel, recipient.strip().lower()),
        referral_id=event.referral_id, correlation_id=event.correlation_id, causation_id=event.event_id,
        actor=NOTIFIER, occurred_at=_occurred_at(event),
        data=Delivery(channel=channel, purpose=purpose, agency_id=audience.agency_id, role=audience.role,
                      recipient=recipient, notified_event_id=event.event_id),
    ))


async def _report_failed(channels: Channels, event: Event, channel: str, audience: Audience, recipient: str,
                         purpose: str, reason: str, fallback: str | None) -> None:
    await channels.bus.publish(topics.NOTIFICATION_OUTCOMES, NotificationFailed.create(
        event_id=derived_id(event.event_id, f"{channel}-failed", recipient.strip().lower()),
        referral_id=event.referral_id, correlation_id=event.correlation_id, causation_id=event.event_id,
        actor=NOTIFIER, occurred_at=_occurred_at(event),
        data=DeliveryFailure(channel=channel, purpose=purpose, agency_id=audience.agency_id, role=audience.role,
                             reason=reason[:500], fallback=fallback),
    ))
