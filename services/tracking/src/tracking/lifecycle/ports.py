"""What tracking keeps, behind small ports. Each stores and reads; none decides anything of the
domain (when a referral's next rung falls due, which states are open, what is owed: the service
layer works those out and hands the answers over). MongoDB adapters are in mongo.py; the
service-layer unit tests run on in-memory doubles (tests/tracking_doubles.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from referral_contracts import Event
from referral_contracts.policy import Policy
from service_kit.messaging import EventPublisher

from tracking.lifecycle.applied_here import AppliedHere
from tracking.lifecycle.model import ReferralView


class EventLog(Protocol):
    """Every event of every referral, once each (an event's id is its key)."""

    async def append(self, events: list[Event]) -> int:
        """Store those not stored yet; returns how many were new."""

    async def of(self, referral_ids: list[UUID]) -> dict[UUID, list[Event]]:
        """Each referral's events in the order they happened (an empty list for one with none)."""


class Views(Protocol):
    """Each referral's view as the fold last decided it, with when its next rung falls due."""

    async def save(self, views: list[tuple[ReferralView, datetime | None]],
                   stored: dict[UUID, tuple[ReferralView, datetime | None]] | None = None) -> None:
        """Store each view with its next escalation time, in one write, unless a view folding at
        least as many events is stored already (writers racing on a referral never leave the older
        behind). `stored`: the view (and next time) a referral's write stands on, when the caller
        knows it: only what changed need be written, while that view is the one stored."""

    async def get(self, referral_id: UUID) -> ReferralView | None: ...

    async def get_many(self, referral_ids: list[UUID]) -> list[ReferralView]: ...

    async def escalations_due(self, now: datetime, limit: int) -> list[UUID]:
        """Referrals whose next escalation time is `now` or earlier."""

    async def escalations_before(self, horizon: datetime, limit: int) -> list[tuple[UUID, datetime]]:
        """Referrals whose next escalation time is `horizon` or earlier, with that time: those due
        and those falling due soon, in one read (the deadline watcher)."""

    async def reschedule(self, view: ReferralView, until: datetime | None) -> None:
        """Move the next escalation time to `until` (None: no rung to come), only while `view` is
        the one stored."""

    def every_view(self) -> AsyncIterator[tuple[ReferralView, datetime | None]]:
        """Every view stored, with its stored next escalation time, streamed (re-timing them all)."""

    async def quiet(self, before: datetime, states: frozenset[str], limit: int) -> list[UUID]:
        """Referrals in `states`, not flagged as of unknown outcome, with no activity since `before`."""


class Published(Protocol):
    """The ids of the messages published for each referral, so none is published twice. Kept
    with the referral's lease, never in the view: read as the lease is taken and remembered as it
    is given back (`Leases`), or by `mark` (a rebuild)."""

    async def of(self, referral_ids: list[UUID]) -> dict[UUID, set[UUID]]: ...

    async def mark(self, published: list[tuple[UUID, UUID]]) -> None:
        """Remember (referral id, message id) pairs as published."""


class Leases(Protocol):
    """One writer per referral (leases.py)."""

    async def take(self, referral_ids: list[UUID], holder: UUID, now: datetime,
                   seconds: float) -> dict[UUID, set[UUID]]:
        """Take, until `now + seconds`, the leases nobody holds (given back, or let expire); returns
        those taken, each with the ids of the messages published for its referral."""

    async def release(self, referral_ids: list[UUID], holder: UUID, published: dict[UUID, list[UUID]] | None = None,
                      unpublished: list[UUID] | None = None) -> None:
        """Give back those this holder still holds, remembering the messages it published for each
        (`published`); forget `unpublished`, referrals nothing was ever published for."""


class PersonServices(Protocol):
    """Which open referral holds each person-and-service key (persons/duplicates.py)."""

    async def claim(self, claims: dict[str, UUID]) -> dict[str, UUID]:
        """Claim each free key for its referral; returns who holds each key now."""

    async def release(self, key: str, referral_id: UUID) -> None:
        """Free the key, if `referral_id` holds it."""


class CrisisHistory(Protocol):
    """Each person's crisis referrals, by hashed person key (persons/crises.py)."""

    async def remember(self, person: str, referral_id: UUID, submitted_at: datetime) -> None: ...

    async def crises_of(self, person: str, since: datetime) -> list[UUID]:
        """The person's crisis referrals submitted at or after `since`, oldest first."""


@dataclass(frozen=True)
class Stores:
    log: EventLog
    views: Views
    published: Published
    leases: Leases
    person_services: PersonServices
    crises: CrisisHistory


def _nobody_listens(when: datetime) -> None:
    return None


@dataclass(frozen=True)
class Tracking:
    """What tracking's service layer works with: its stores, the bus it publishes on and the
    partnership's policy. `escalation_stored` hears each next escalation time once the view is
    stored (the deadline watcher, so it can wake for a rung sooner than it planned); `applied_here`
    remembers the milestones this process applied in full (applied_here.py)."""

    stores: Stores
    bus: EventPublisher
    policy: Policy
    escalation_stored: Callable[[datetime], None] = field(default=_nobody_listens)
    applied_here: AppliedHere = field(default_factory=AppliedHere)
