"""Tracking's subscriptions: every event that moves a referral, and milestones agencies publish."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.kafka import KafkaBroker

from referral_contracts import (
    Event,
    MilestoneRecorded,
    MilestoneReport,
    NotificationOutcome,
    ReferralSubmitted,
    ReferralTriaged,
    topics,
    utc_now,
)
from referral_contracts.outbound import RefusedKind
from service_kit.auth import Principal
from service_kit.inbound import refusal_of, refuse_inbound
from service_kit.messaging import KafkaEventBus, correlation_id_of, subscribe
from service_kit.records import Record

from tracking.lifecycle.ports import Tracking
from tracking.lifecycle.model import ReferralView
from tracking.lifecycle.refusal import Refused
from tracking.lifecycle.record import MayNotAct, UnknownReferral, milestone_receipt, record_milestone
from tracking.lifecycle.leases import WAIT_SECONDS
from tracking.lifecycle.service import apply_events

GROUP = "tracking"
NOT_KNOWN = "no such referral, or none this agency has a part in"
SUBSCRIPTIONS: dict[str, type[Event]] = {
    topics.REFERRAL_SUBMITTED: ReferralSubmitted,
    topics.REFERRAL_TRIAGED: ReferralTriaged,
    topics.REFERRAL_MILESTONES: MilestoneRecorded,
}


AfterTriage = Callable[[ReferralTriaged, ReferralView | None], Awaitable[object]]


def register_event_subscribers(broker: KafkaBroker, bus: KafkaEventBus, tracking: Tracking,
                               after_triage: AfterTriage | None = None) -> None:
    """`bus` is the one `tracking` publishes on, as the consumer that subscribes through it."""
    async def on_events(batch: list[tuple[Event, Record]]) -> None:
        # Milestones this process is recording are waited for; those it applied in full are done.
        await tracking.applied_here.settled((event.event_id for event, _ in batch), WAIT_SECONDS)
        events = [event for event, _ in batch if event.event_id not in tracking.applied_here]
        if not events:
            return
        views = await apply_events(events, tracking)  # the whole batch in bulk
        if after_triage is None:
            return
        triages = [event for event in events if isinstance(event, ReferralTriaged)]
        for event in events:  # a triage that overtook its submission waited for it: it counts now
            if isinstance(event, ReferralSubmitted) and getattr(views.get(event.referral_id), "triaged_at", None):
                log = (await tracking.stores.log.of([event.referral_id]))[event.referral_id]
                triages += [e for e in log if isinstance(e, ReferralTriaged)]
        for triage in triages:
            await after_triage(triage, views.get(triage.referral_id))  # e.g. a repeated crisis flagged

    async def on_inbound_milestone(report: MilestoneReport, record: Record) -> None:
        """The topic twin of POST .../milestones, on the agency's own inbound topic: a milestone of
        another agency, on a referral it has no part in, or not allowed now, is refused to the
        agency (and dead-lettered) with why, as HTTP answers 403, 404 or 409."""
        agency = topics.inbound_agency(record.topic)

        async def refuse(field: str, problem: str) -> None:
            await refuse_inbound(bus, record, kind=RefusedKind.MILESTONE, problems=[(field, problem)],
                                 referral_id=report.referral_id)

        if report.actor.agency_id != agency:
            await refuse("actor.agency_id", f"{report.actor.agency_id} may not act on {agency}'s inbound topic")
            return
        caller = Principal.agency(agency)  # the rules of HTTP's POST .../milestones, for its own login
        try:
            _, new = await record_milestone(report.referral_id, report.milestone(), tracking,
                                            correlation_id=correlation_id_of(record), now=utc_now(), caller=caller)
        except UnknownReferral:
            await refuse("referral_id", NOT_KNOWN)  # the same answer for an unknown id and another's
        except MayNotAct as refusal:
            await refuse("referral_id", str(refusal))
        except Refused as refused:
            await refuse("kind", str(refused))
        else:
            await bus.publish(topics.referrals_outbound(agency), milestone_receipt(report, record, new=new))

    async def on_notification_outcomes(batch: list[tuple[NotificationOutcome, Record]]) -> None:
        await apply_events([outcome.root for outcome, _ in batch], tracking)  # sent or failed: the audit says which

    for topic, model in SUBSCRIPTIONS.items():
        subscribe(broker, bus, topic=topic, model=model, group_id=GROUP, handle_batch=on_events)
    subscribe(broker, bus, topic=topics.NOTIFICATION_OUTCOMES, model=NotificationOutcome, group_id=GROUP,
              handle_batch=on_notification_outcomes)
    subscribe(broker, bus, topic=topics.MILESTONES_INBOUND_PATTERN, pattern=True, model=MilestoneReport,
              group_id=GROUP, handle=on_inbound_milestone, on_refused=refusal_of(bus, RefusedKind.MILESTONE))
