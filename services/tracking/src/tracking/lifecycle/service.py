"""Apply events: store each once, rebuild their referrals, and say what the new states call for.

One writer per referral at a time: every path that changes a referral (a consumer's batch, a
milestone posted over HTTP, the deadline watcher, the unknown-outcome sweep) does so under the
referral's lease (leases.py). Without it, the HTTP path and tracking's own subscription applied the
same milestone at once, both found the closure not yet published, and both published it.
"""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

from referral_contracts import Event, Link, LinkRelation, ReferralLinked, ReferralSubmitted, derived_id

from tracking.deadlines.ladders import next_escalation_at
from tracking.lifecycle.fold import Step, first_submission, fold_with_steps
from tracking.lifecycle.leases import Held, under_leases
from tracking.lifecycle.model import TRACKING, ReferralView
from tracking.lifecycle.ports import Tracking
from tracking.outgoing.closure import outgoing
from tracking.persons.duplicates import person_service_key

log = logging.getLogger(__name__)


async def apply_event(event: Event, tracking: Tracking) -> ReferralView | None:
    """One event: `apply_events` of one."""
    return (await apply_events([event], tracking)).get(event.referral_id)


async def apply_events(events: list[Event], tracking: Tracking) -> dict[UUID, ReferralView]:
    """Store events once, rebuild their referrals and say what the new states call for, each
    referral under its lease (waiting for one another writer holds); returns the views rebuilt (a
    referral whose submission has not arrived yet has none: its events wait).

    Idempotent: a redelivered event is not stored twice and rebuilds the same view. In a fixed
    number of round trips whatever the number of events (a consumer's batch, a sweep's rungs).
    What the new states call for is published before their views are stored, and remembered as the
    leases are given back (decision 0006): a crash in between leaves the events in the log and what
    was published not remembered, so the next apply (a redelivery, the next sweep, the referral's
    next event) publishes them again under the same ids, which consumers drop.
    """
    ids = list(dict.fromkeys(event.referral_id for event in events))
    views: dict[UUID, ReferralView] = {}
    links: list[ReferralLinked] = []

    async def apply_held(held: Held) -> None:
        chosen = set(held.ids)
        applied, linked = await apply_held_events([e for e in events if e.referral_id in chosen], tracking, held)
        views.update(applied)
        links.extend(linked)

    await under_leases(tracking.stores.leases, ids, apply_held)
    if links:  # a duplicate and the referral it repeats are two referrals: each under its own lease
        views.update(await apply_events(list(links), tracking))
    return views


async def apply_held_events(events: list[Event], tracking: Tracking, held: Held, *,
                            logs: dict[UUID, list[Event]] | None = None,
                            ) -> tuple[dict[UUID, ReferralView], list[ReferralLinked]]:
    """`apply_events` for referrals whose leases the caller holds (`held`: what was published for
    each, read as the leases were taken; what this publishes is added to it, to be remembered as
    they are given back); also returns the links to apply for submissions that repeat an open
    referral. `logs`: each referral's log before these events, when the caller has just read it
    under the same leases (a milestone recorded reads it to check the milestone)."""
    stores = tracking.stores
    all_new = await stores.log.append(events) == len(events)
    if logs is None:
        logs = await stores.log.of(list(dict.fromkeys(event.referral_id for event in events)))
    else:  # nobody else appends while the leases are held: the log read, and these
        logs = {r: _with(log, [e for e in events if e.referral_id == r]) for r, log in logs.items()}
    folded = {referral_id: fold_with_steps(log) for referral_id, log in logs.items()}
    views = {referral_id: view for referral_id, (view, _) in folded.items() if view is not None}
    for referral_id in logs.keys() - views.keys():
        log.info("referral %s: events held until its submission arrives", referral_id)
    await _publish_owed({r: outgoing(view, logs[r], folded[r][1]) for r, view in views.items()}, tracking, held)
    stored = {r: before for r in views if all_new and (before := _stored_before(
        folded[r][1], {e.event_id for e in events if e.referral_id == r})) is not None}
    await save_views(list(views.values()), tracking, stored=stored)
    return views, await _duplicates(events, views, logs, folded, tracking)


def _stored_before(steps: list[Step], applied: set[UUID]) -> ReferralView | None:
    """The referral as it stood before `applied`, when they were all new and came last in its
    order: the view stored (the last apply stored it before giving the lease back), so a write need
    carry only what they changed. None otherwise (a first event, a late one, a repeat)."""
    count = sum(1 for step in steps if step.event.event_id in applied)
    if count == 0 or count < len(applied) or any(step.event.event_id not in applied for step in steps[-count:]):
        return None  # none applied, the submission among them (no step: nothing stored before), or not last
    return steps[-count].before.model_copy(update={"events_applied": len(steps) + 1 - count})


def _with(log: list[Event], events: list[Event]) -> list[Event]:
    known = {e.event_id for e in log}
    return [*log, *(e for e in events if e.event_id not in known)]


async def save_views(views: list[ReferralView], tracking: Tracking, *,
                     stored: dict[UUID, ReferralView] | None = None) -> None:
    """Store views with when each one's next rung falls due (the ladder, by the policy), in one
    write; then tell whoever listens of each such time: after the write, so a watcher it wakes
    finds the view. `stored`: the view each stands on, when known, so only what changed is written."""
    policy = tracking.policy
    due = [(view, next_escalation_at(view, policy)) for view in views]
    before = {r: (view, next_escalation_at(view, policy)) for r, view in (stored or {}).items()}
    await tracking.stores.views.save(due, before)
    for _, when in due:
        if when is not None:
            tracking.escalation_stored(when)


async def _publish_owed(calls: dict[UUID, list[tuple[str, Event]]], tracking: Tracking, held: Held) -> None:
    """Publish what each referral's state calls for and was not yet published (in order within a
    referral, referrals at once); each message, once on its topic, goes into `held` for the leases'
    release to remember, so one published before another failed is remembered too."""
    owed = {r: [(t, m) for t, m in messages if m.event_id not in held.published.get(r, set())]
            for r, messages in calls.items()}

    async def publish_in_order(referral_id: UUID, messages: list[tuple[str, Event]]) -> None:
        for topic, message in messages:
            await tracking.bus.publish(topic, message)
            held.remember({referral_id: [message.event_id]})

    await asyncio.gather(*(publish_in_order(r, messages) for r, messages in owed.items() if messages))


async def _duplicates(events: list[Event], views: dict[UUID, ReferralView], logs: dict[UUID, list[Event]],
                      folded: dict[UUID, tuple[ReferralView | None, list[Step]]],
                      tracking: Tracking) -> list[ReferralLinked]:
    """New submissions claim their person-and-service key; one whose key an open referral holds is
    linked to it. A referral these events closed gives its key back (again if they are applied
    again: a crash may have come before it was given back)."""
    applied = {event.event_id for event in events}
    new: list[ReferralSubmitted] = []
    for referral_id, view in views.items():
        first = first_submission(logs[referral_id])
        if first.event_id in applied:
            new.append(first)
        elif not view.is_open and any(step.event.event_id in applied and step.before.is_open and not step.after.is_open
                                      for step in folded[referral_id][1]):
            await tracking.stores.person_services.release(person_service_key(first.data), referral_id)
    if not new:
        return []
    claims: dict[str, UUID] = {}
    for first in new:  # the same person and service twice in one batch: the earlier one holds it
        claims.setdefault(person_service_key(first.data), first.referral_id)
    holders = await tracking.stores.person_services.claim(claims)
    links: list[ReferralLinked] = []
    for first in new:
        links += await _links_if_duplicate(first, holders[person_service_key(first.data)], tracking)
    return links


async def _links_if_duplicate(first: ReferralSubmitted, holder: UUID, tracking: Tracking) -> list[ReferralLinked]:
    """The same person referred again to the same service while a referral is open (`holder`, the
    open referral holding the person-and-service key) is linked to that referral, not tracked twice."""
    key = person_service_key(first.data)
    if holder == first.referral_id:
        return []
    original = await tracking.stores.views.get(holder)
    if original is None or not original.is_open:  # the holder closed meanwhile: take its place
        await tracking.stores.person_services.release(key, holder)
        await tracking.stores.person_services.claim({key: first.referral_id})
        return []
    log.info("referral %s linked as a duplicate of %s", first.referral_id, holder)
    return [ReferralLinked.create(
        event_id=derived_id(referral_id, "linked", other), referral_id=referral_id,
        correlation_id=first.correlation_id, causation_id=first.event_id, actor=TRACKING,
        occurred_at=first.occurred_at,
        data=Link(relation=relation, other_referral_id=other, other_source_agency_id=other_source),
    ) for referral_id, relation, other, other_source in (
        (first.referral_id, LinkRelation.DUPLICATE_OF, holder, original.source_agency_id),
        (holder, LinkRelation.RE_REFERRED_AS, first.referral_id, first.data.source_agency_id),
    )]
