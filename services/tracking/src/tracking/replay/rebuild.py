"""Rebuild tracking's state from the Kafka log: every event tracking keeps is on a topic (those it
consumes, and those it raises itself and publishes), kept there for good (retention -1), so a
store can be rebuilt from nothing and must equal the live one."""

from __future__ import annotations

from uuid import UUID

from pydantic import ValidationError

from referral_contracts import ReferralTriaged, topics
from referral_contracts.codec import readable_json
from referral_contracts.events import event_model
from service_kit.log_reading import Progress, read_to_end

from tracking.bootstrap import ensure_indexes
from tracking.lifecycle.fold import first_submission, fold_with_steps
from tracking.lifecycle.ports import Tracking
from tracking.lifecycle.service import save_views
from tracking.outgoing.closure import outgoing
from tracking.persons.crises import is_crisis
from tracking.persons.duplicates import person_key, person_service_key

# Every topic that carries an event tracking keeps in its log.
REPLAYED_TOPICS = (topics.REFERRAL_SUBMITTED, topics.REFERRAL_TRIAGED, topics.REFERRAL_MILESTONES,
                   topics.NOTIFICATION_OUTCOMES, topics.REFERRAL_ESCALATIONS, topics.REFERRAL_FLAGS)
REBUILD_CHUNK = 500  # referrals read, folded and stored per round trip


async def replay(bootstrap_servers: str, tracking: Tracking, *, progress: Progress = lambda done, total: None,
                 security_kwargs: dict | None = None) -> dict[str, int]:
    """Read every replayed topic from its start to its end as it is now, store each event once,
    then fold each referral and store its view (and remember each person's crisis referrals).
    Returns counts (records, events, referrals, skipped)."""
    await ensure_indexes(tracking.stores)
    referral_ids: set[UUID] = set()
    records = skipped = 0
    async for values in read_to_end(bootstrap_servers, REPLAYED_TOPICS, security_kwargs=security_kwargs,
                                    progress=progress):
        events = [event for event in map(_event, values) if event is not None]
        # a record that is no event is a dead letter's business, not the log's
        records, skipped = records + len(values), skipped + len(values) - len(events)
        referral_ids.update(event.referral_id for event in events)
        await tracking.stores.log.append(events)  # one bulk write per fetch
    rebuilt = 0
    ordered = sorted(referral_ids, key=str)
    for chunk in (ordered[i:i + REBUILD_CHUNK] for i in range(0, len(ordered), REBUILD_CHUNK)):
        rebuilt += await _rebuild(chunk, tracking)
    return {"records": records, "events": records - skipped, "referrals": rebuilt, "skipped": skipped}


async def _rebuild(chunk: list[UUID], tracking: Tracking) -> int:
    """Fold and store a chunk of referrals; returns how many had a view."""
    stores = tracking.stores
    logs = await stores.log.of(chunk)
    folded = {referral_id: fold_with_steps(log) for referral_id, log in logs.items()}
    views = [view for view, _ in folded.values() if view is not None]
    # What the log's referrals called for was said when they happened: the rebuilt store must
    # not say it again when the next event of a referral arrives. One bulk write per chunk.
    await stores.published.mark([(view.referral_id, message.event_id) for view in views
                                 for _, message in outgoing(view, logs[view.referral_id], folded[view.referral_id][1])])
    await save_views(views, tracking)
    claims: dict[str, UUID] = {}  # open referrals hold their person-and-service key, the first one wins
    for view in views:
        first = first_submission(logs[view.referral_id])
        if view.is_open:
            claims.setdefault(person_service_key(first.data), view.referral_id)
        if any(isinstance(e, ReferralTriaged) and is_crisis(e) for e in logs[view.referral_id]):
            await stores.crises.remember(person_key(first.data), view.referral_id, view.submitted_at)
    if claims:
        await stores.person_services.claim(claims)
    return len(views)


def _event(raw: bytes | None):
    """The event a record carries, or None for any record that is not one (whatever its bytes)."""
    document = readable_json(raw)
    try:
        return event_model(document["event_type"], document["schema_version"]).model_validate(document)
    except (KeyError, TypeError, ValidationError):
        return None
