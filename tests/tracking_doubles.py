"""In-memory doubles of tracking's ports (tracking/lifecycle/ports.py), for service-layer unit
tests: each keeps what the MongoDB adapter keeps and answers as it does (the port contract test,
tests/integration/test_tracking_ports.py, runs the same checks on both)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from uuid import UUID

from referral_contracts import Event
from referral_contracts.policy import Policy
from tracking.lifecycle.model import ReferralView
from tracking.lifecycle.ports import Stores, Tracking

from recording_bus import RecordingBus


class MemoryEventLog:
    def __init__(self) -> None:
        self.events: dict[UUID, Event] = {}

    async def append(self, events: list[Event]) -> int:
        new = {e.event_id: e for e in events if e.event_id not in self.events}
        self.events |= new
        return len(new)

    async def of(self, referral_ids: list[UUID]) -> dict[UUID, list[Event]]:
        chosen = set(referral_ids)
        logs: dict[UUID, list[Event]] = {referral_id: [] for referral_id in referral_ids}
        for event in sorted(self.events.values(), key=lambda e: e.occurred_at):
            if event.referral_id in chosen:
                logs[event.referral_id].append(event)
        return logs


class MemoryViews:
    def __init__(self) -> None:
        self.views: dict[UUID, ReferralView] = {}
        self.next_escalation_at: dict[UUID, datetime | None] = {}

    async def save(self, views: list[tuple[ReferralView, datetime | None]],
                   stored: dict[UUID, tuple[ReferralView, datetime | None]] | None = None) -> None:
        for view, next_at in views:
            stored = self.views.get(view.referral_id)
            if stored is None or stored.events_applied < view.events_applied:
                self.views[view.referral_id] = view.model_copy(deep=True)
                self.next_escalation_at[view.referral_id] = next_at

    async def get(self, referral_id: UUID) -> ReferralView | None:
        view = self.views.get(referral_id)
        return None if view is None else view.model_copy(deep=True)

    async def get_many(self, referral_ids: list[UUID]) -> list[ReferralView]:
        return [v.model_copy(deep=True) for r in referral_ids if (v := self.views.get(r)) is not None]

    def _due_by(self, when: datetime) -> list[tuple[datetime, UUID]]:
        return [(at, r) for r, at in self.next_escalation_at.items() if at is not None and at <= when]

    async def escalations_due(self, now: datetime, limit: int = 1000) -> list[UUID]:
        return [r for _, r in self._due_by(now)][:limit]

    async def escalations_before(self, horizon: datetime, limit: int = 1000) -> list[tuple[UUID, datetime]]:
        return [(r, at) for at, r in self._due_by(horizon)][:limit]

    async def every_view(self) -> AsyncIterator[tuple[ReferralView, datetime | None]]:
        for referral_id, view in list(self.views.items()):
            yield view, self.next_escalation_at.get(referral_id)

    async def reschedule(self, view: ReferralView, until: datetime | None) -> None:
        stored = self.views.get(view.referral_id)
        if stored is not None and stored.events_applied == view.events_applied:
            self.next_escalation_at[view.referral_id] = until

    async def quiet(self, before: datetime, states: frozenset[str], limit: int = 1000) -> list[UUID]:
        return [r for r, v in self.views.items() if v.last_activity_at < before and v.state.value in states
                and v.outcome_unknown_since is None][:limit]


class MemoryLeases:
    """Each referral's lease and what was published for it, kept together as in MongoDB."""

    def __init__(self) -> None:
        self.leases: dict[UUID, tuple[UUID, datetime]] = {}
        self.published: dict[UUID, set[UUID]] = {}

    async def take(self, referral_ids: list[UUID], holder: UUID, now: datetime,
                   seconds: float) -> dict[UUID, set[UUID]]:
        taken: dict[UUID, set[UUID]] = {}
        for referral_id in referral_ids:
            lease = self.leases.get(referral_id)
            if lease is None or lease[1] <= now:
                self.leases[referral_id] = (holder, now + timedelta(seconds=seconds))
                taken[referral_id] = set(self.published.get(referral_id, set()))
        return taken

    async def release(self, referral_ids: list[UUID], holder: UUID, published: dict[UUID, list[UUID]] | None = None,
                      unpublished: list[UUID] | None = None) -> None:
        for referral_id in referral_ids:
            if self.leases.get(referral_id, (None,))[0] == holder:
                del self.leases[referral_id]
                self.published.setdefault(referral_id, set()).update((published or {}).get(referral_id, []))
                if referral_id in (unpublished or []) and not self.published[referral_id]:
                    del self.published[referral_id]


class MemoryPublished:
    def __init__(self, leases: MemoryLeases) -> None:
        self.published = leases.published  # kept with the lease, as in MongoDB

    async def of(self, referral_ids: list[UUID]) -> dict[UUID, set[UUID]]:
        return {r: set(self.published[r]) for r in referral_ids if r in self.published}

    async def mark(self, published: list[tuple[UUID, UUID]]) -> None:
        for referral_id, message_id in published:
            self.published.setdefault(referral_id, set()).add(message_id)


class MemoryPersonServices:
    def __init__(self) -> None:
        self.holders: dict[str, UUID] = {}

    async def claim(self, claims: dict[str, UUID]) -> dict[str, UUID]:
        return {key: self.holders.setdefault(key, referral_id) for key, referral_id in claims.items()}

    async def release(self, key: str, referral_id: UUID) -> None:
        if self.holders.get(key) == referral_id:
            del self.holders[key]


class MemoryCrisisHistory:
    def __init__(self) -> None:
        self.crises: dict[UUID, tuple[str, datetime]] = {}

    async def remember(self, person: str, referral_id: UUID, submitted_at: datetime) -> None:
        self.crises.setdefault(referral_id, (person, submitted_at))

    async def crises_of(self, person: str, since: datetime) -> list[UUID]:
        mine = [(at, r) for r, (p, at) in self.crises.items() if p == person and at >= since]
        return [r for _, r in sorted(mine, key=lambda pair: pair[0])]


def memory_stores() -> Stores:
    leases = MemoryLeases()
    return Stores(log=MemoryEventLog(), views=MemoryViews(), published=MemoryPublished(leases), leases=leases,
                  person_services=MemoryPersonServices(), crises=MemoryCrisisHistory())


def memory_tracking(policy: Policy, *, bus=None, stores: Stores | None = None, **options) -> Tracking:
    """Tracking as bootstrap.py wires it, on doubles: publishing to a RecordingBus unless told otherwise."""
    return Tracking(stores=stores or memory_stores(), bus=bus if bus is not None else RecordingBus(), policy=policy,
                    **options)
