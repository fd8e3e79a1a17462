"""Tracking's own Prometheus metrics, refreshed by the sweep: open referrals by state and tier,
overdue referrals, escalations fired and unknown outcomes flagged."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram
from pymongo.asynchronous.collection import AsyncCollection

from ..adapters.oversight_queries import live_counts
from ..domain.oversight import OVERDUE as OVERDUE_MEANING

OPEN_REFERRALS = Gauge("referral_open", "Open referrals, by state and tier.", ["state", "tier"])
# The summary's and the worklist's meaning of overdue, counted by the same expression (live_counts).
OVERDUE = Gauge("referral_overdue", f"Referrals overdue: {OVERDUE_MEANING}")
ESCALATIONS_FIRED = Counter("referral_escalations_fired", "Escalation rungs fired by this replica's sweeps.")
SWEEP_SECONDS = Histogram("referral_deadline_sweep_seconds", "Time a deadline sweep took (firing what was due).",
                          buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
OUTCOMES_FLAGGED = Counter("referral_unknown_outcomes_flagged", "Unknown outcomes flagged by this replica.")


async def refresh(referrals: AsyncCollection, now: datetime) -> None:
    by_state, overdue = await live_counts(referrals, now)
    OPEN_REFERRALS.clear()
    for (state, tier), count in by_state.items():
        OPEN_REFERRALS.labels(state, tier).set(count)
    OVERDUE.set(overdue)
