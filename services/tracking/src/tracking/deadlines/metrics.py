"""Tracking's own Prometheus metrics: escalations fired, the deadline sweep's time and unknown
outcomes flagged. The open and overdue gauges are the oversight service's (oversight/figures),
counted from its projection."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

ESCALATIONS_FIRED = Counter("referral_escalations_fired", "Escalation rungs fired by this replica's sweeps.")
SWEEP_SECONDS = Histogram("referral_deadline_sweep_seconds", "Time a deadline sweep took (firing what was due).",
                          buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
OUTCOMES_FLAGGED = Counter("referral_unknown_outcomes_flagged", "Unknown outcomes flagged by this replica.")
