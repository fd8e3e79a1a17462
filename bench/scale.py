"""Open referrals at scale, loaded straight into tracking's store and oversight's projection
(measurements 4 and 5).

Two kinds of referral, both from a real one the pipeline tracked (its events and its view):
- background: copies of its stored view, spread over BENCH_HISTORY_YEARS (default 10) years of
  submissions (issue 15: ten years of history), with random
  tiers, agencies and open states, recent activity (so the unknown-outcome sweep leaves them
  alone) and a next rung days away: what the watcher's index holds but must not read;
- due: 1,000 urgent referrals with real event logs (submitted, triaged) folded by tracking's own
  code, whose reminder rung falls due at a chosen moment a few seconds ahead, spread evenly, so
  the live watcher must fire each on time.
Loaded with bulk writes into tracking (the document shape `save_view` writes); each background
referral's state is handed to oversight's own writer (`referrals.service.project`, 2,000 states a
transaction), so its projection and read models are built as the service builds them."""

from __future__ import annotations

import asyncio
import os
import random
import time
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from devstack.paths import demo_file
from pymongo import InsertOne, MongoClient
from pymongo.errors import BulkWriteError, PyMongoError

from oversight.bootstrap import bootstrap, connect
from oversight.referrals.service import project
from referral_contracts import AcuityTier, Actor, Event, ReferralSubmitted, ReferralTriaged
from referral_contracts.changes import ReferralChanged, ReferralState
from referral_contracts.directory import Directory
from referral_contracts.policy import load_policy
from tracking.deadlines.ladders import next_escalation_at
from tracking.lifecycle.fold import fold
from tracking.lifecycle.model import ReferralView

OPEN_STATES = ("assigned", "acknowledged", "accepted", "contact_attempted", "appointment_scheduled")
CHUNK = 2000
HISTORY_YEARS = float(os.environ.get("BENCH_HISTORY_YEARS", "10"))  # how far back the submissions go
POLICY = load_policy(demo_file("policy.yaml"))


def template(mongodb_url: str, wait_s: float = 60) -> tuple[dict, dict, list[dict]]:
    """A referral the pipeline tracked and triaged: its stored view, its projected state in
    oversight (once the projection has caught up with it) and its stored events."""
    client = MongoClient(mongodb_url, uuidRepresentation="standard", tz_aware=True)
    database = client["tracking"]
    view = database["referrals"].find_one({"state": "assigned", "client_reference": {"$regex": "^BENCH-"}})
    events = list(database["events"].find({"referral_id": view["_id"]}).sort("occurred_at", 1))
    deadline = time.monotonic() + wait_s
    while (projected := client["oversight"]["referrals"].find_one(
            {"_id": view["_id"], "version": view["events_applied"]})) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"oversight never projected {view['_id']}")
        time.sleep(0.2)
    return view, projected, events


def _shifted(value, delta: timedelta):
    if isinstance(value, datetime):
        return value + delta
    if isinstance(value, dict):
        return {k: _shifted(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [_shifted(v, delta) for v in value]
    return value


def load_background(mongodb_url: str, view: dict, projected: dict, count: int, directory: Directory, now: datetime,
                    seed: int) -> dict[str, float]:
    """Insert `count` background referrals into tracking, and hand their states to oversight's own
    writer (the projection and its read models, as `referral.changed` would have); returns the
    seconds each took. Submitted in time order, as a history arrives (and as a rebuild reads it)."""
    rng = random.Random(seed)
    agencies = [a.id for a in directory.agencies]
    tiers = [t.value for t in AcuityTier]
    client = MongoClient(mongodb_url, uuidRepresentation="standard", tz_aware=True)
    tracked = client["tracking"]["referrals"]
    ages = sorted((timedelta(days=rng.uniform(0, HISTORY_YEARS * 365)) for _ in range(count)), reverse=True)
    seconds = {"tracking_s": 0.0, "oversight_s": 0.0}
    for first in range(0, count, CHUNK):
        views, states = [], []
        for age in ages[first:first + CHUNK]:
            delta = -age + (now - view["submitted_at"])
            referral_id = uuid4()
            same = dict(client_reference=f"SCALE-{referral_id.hex[:12]}", tier=rng.choice(tiers),
                        state=rng.choice(OPEN_STATES), source_agency_id=rng.choice(agencies),
                        lead_agency_id=rng.choice(agencies), last_activity_at=now - timedelta(hours=rng.uniform(0, 240)))
            views.append(InsertOne(_shifted(view, delta) | same | dict(
                _id=referral_id, correlation_id=uuid4(), next_escalation_at=now + timedelta(days=rng.uniform(1, 30)))))
            states.append(_changed(referral_id, _shifted(projected, delta) | same))
        started = time.perf_counter()
        _insert(tracked, views)
        seconds["tracking_s"] += time.perf_counter() - started
        started = time.perf_counter()
        asyncio.run(_project(mongodb_url, states))
        seconds["oversight_s"] += time.perf_counter() - started
    client.close()
    return seconds


def _changed(referral_id: UUID, projected: dict) -> ReferralChanged:
    state = ReferralState.model_validate({k: v for k, v in projected.items() if k in ReferralState.model_fields})
    return ReferralChanged.create(referral_id=referral_id, correlation_id=uuid4(), occurred_at=state.last_activity_at,
                                  actor=Actor(agency_id="platform-tracking"), data=state)


async def _project(mongodb_url: str, states: list[ReferralChanged]) -> None:
    """Oversight's writer, one bulk transaction for the chunk (its consumer takes 500 at a time)."""
    client = connect(mongodb_url)
    try:
        await project(states, projection=bootstrap(client["oversight"], POLICY).projection)
    finally:
        await client.close()


def _insert(referrals, batch: list[InsertOne], attempts: int = 3) -> None:
    """A bulk insert that survives the store pausing (cache eviction at a million documents made
    the driver give up on the connection): tried again; what was inserted already is a duplicate."""
    for attempt in range(attempts):
        try:
            referrals.bulk_write(batch, ordered=False)
            return
        except BulkWriteError as error:
            if all(e.get("code") == 11000 for e in error.details.get("writeErrors", [])):
                return
            raise
        except PyMongoError:
            if attempt == attempts - 1:
                raise


def due_referrals(events: list[dict], policy, first_due: datetime, spread: timedelta,
                  count: int) -> tuple[list[Event], list[ReferralView], dict[UUID, datetime]]:
    """`count` urgent referrals whose reminder falls due between first_due and first_due + spread:
    their events and views, ready to store, and when each falls due."""
    def body(model):
        return model.model_validate(next(e["body"] for e in events if e["event_type"] == model.type_name()))

    submitted, triaged = body(ReferralSubmitted), body(ReferralTriaged)
    logs: list[Event] = []
    views: list[ReferralView] = []
    due: dict[UUID, datetime] = {}
    for i in range(count):
        at = first_due + spread * (i / max(1, count - 1))
        started, referral_id = at - timedelta(hours=3), uuid4()
        # The reminder falls due at a share of the window; choose the deadline that puts it at `at`.
        deadline = started + (at - started) / policy.escalation.reminder_at_fraction
        s = submitted.model_copy(update={"event_id": uuid4(), "referral_id": referral_id, "occurred_at": started})
        t = triaged.model_copy(update={
            "event_id": uuid4(), "referral_id": referral_id, "occurred_at": started, "causation_id": s.event_id,
            "data": triaged.data.model_copy(update={"tier": AcuityTier.URGENT, "clock_started_at": started,
                                                   "contact_deadline": deadline})})
        view = fold([s, t])
        due[referral_id] = next_escalation_at(view, policy)
        logs += [s, t]
        views.append(view)
    return logs, views, due
