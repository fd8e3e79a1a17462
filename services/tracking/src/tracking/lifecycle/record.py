"""Milestones agencies record: checked against the referral's state before anything changes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from referral_contracts import Milestone, MilestoneReport, derived_id, topics
from referral_contracts.outbound import InboundPosition, MilestoneReceipt, MilestoneReceived
from service_kit.auth import Principal
from service_kit.messaging import correlation_id_of
from service_kit.records import Record

from tracking.lifecycle.access import may_read, not_known, refusal_to_act
from tracking.lifecycle.commands import milestone_recorded
from tracking.lifecycle.fold import check, fold
from tracking.lifecycle.leases import Held, under_leases
from tracking.lifecycle.model import TRACKING, ReferralView
from tracking.lifecycle.ports import Tracking
from tracking.lifecycle.service import apply_held_events


class UnknownReferral(LookupError):
    pass


class MayNotAct(PermissionError):
    """The caller may read the referral but not act on it: the message names the rule (access.py)."""


async def record_milestone(
    referral_id: UUID, milestone: Milestone, tracking: Tracking, *, correlation_id: UUID, now: datetime,
    caller: Principal | None = None,
) -> tuple[ReferralView, bool]:
    """The referral after the milestone, and whether it was new (False: a repeat of a recorded id).

    Raises UnknownReferral (also for a `caller` who may not read it: the same answer), MayNotAct
    (a `caller` who may read it but not act on it), or Refused naming the current state; nothing
    changed in each case. The caller's rights are checked on the referral as it is under the lease,
    from the log this reads anyway.
    Under the referral's lease, so of requests repeating one milestone id at once exactly one
    records it and the others see it recorded; and tracking's own subscription, which receives
    the same milestone from the topic, waits for this to finish and then finds nothing to do.
    The event is published before it is applied here: if applying fails, the subscription applies
    it from the topic, so an accepted milestone is never lost.
    """
    event = milestone_recorded(referral_id, milestone, correlation_id=correlation_id, received_at=now)
    outcome: list[tuple[ReferralView, bool]] = []

    async def record(held: Held) -> None:
        events = (await tracking.stores.log.of([referral_id]))[referral_id]
        view = fold(events)
        if view is None or (caller is not None and not may_read(view, caller)):
            raise UnknownReferral(not_known(referral_id))
        if caller is not None and (refusal := refusal_to_act(view, caller)):
            raise MayNotAct(refusal)
        if any(e.event_id == event.event_id for e in events):
            outcome.append((view, False))
            return
        check(view, event)
        await tracking.bus.publish(topics.REFERRAL_MILESTONES, event)
        views, _ = await apply_held_events([event], tracking, held, logs={referral_id: events})
        tracking.applied_here.applied(event.event_id)  # in full: the subscription has nothing left to do
        outcome.append((views.get(referral_id, view), True))

    tracking.applied_here.applying(event.event_id)
    try:
        await under_leases(tracking.stores.leases, [referral_id], record)
    finally:
        tracking.applied_here.ended(event.event_id)
    return outcome[0]


def milestone_receipt(report: MilestoneReport, record: Record, *, new: bool) -> MilestoneReceived:
    """What the agency that published a milestone hears when it was taken: as HTTP's 201 or 200.
    Its id derives from the record's position: read again after a crash, the same receipt."""
    return MilestoneReceived.create(
        event_id=derived_id("milestone-received", *record.position), referral_id=report.referral_id,
        correlation_id=correlation_id_of(record), actor=TRACKING,
        data=MilestoneReceipt(milestone_id=report.milestone_id, kind=report.kind, new=new,
                              inbound=InboundPosition(topic=record.topic, partition=record.partition,
                                                      offset=record.offset)))
