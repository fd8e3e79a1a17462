"""The open and overdue gauges on /metrics, refreshed every METRICS_SECONDS from the read models: the
five all-history roll-up cells and the worklist entries whose deadline falls today."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Gauge

from .models import OVERDUE as OVERDUE_MEANING
from .store import FiguresStore

OPEN_REFERRALS = Gauge("referral_open", "Open referrals, by state and tier.", ["state", "tier"])
# The summary's and the worklist's meaning of overdue, counted by the same expression (rules.overdue).
OVERDUE = Gauge("referral_overdue", f"Referrals overdue: {OVERDUE_MEANING}")


async def refresh(figures: FiguresStore, now: datetime) -> None:
    by_state, overdue = await figures.live_counts(now)
    OPEN_REFERRALS.clear()
    for (state, tier), count in by_state.items():
        OPEN_REFERRALS.labels(state, tier).set(count)
    OVERDUE.set(overdue)
