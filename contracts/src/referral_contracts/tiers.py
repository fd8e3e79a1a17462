"""Acuity tiers, their order and which of them are time-critical: the partnership's words for how
urgently a referral needs first contact (DOMAIN.md, "Time standards"), one home for every service."""

from __future__ import annotations

from enum import StrEnum


class AcuityTier(StrEnum):
    URGENT = "urgent"
    CRISIS_FOLLOW_UP = "crisis_follow_up"
    PRIORITY = "priority"
    ROUTINE = "routine"


# Highest first: triage gives a referral the highest tier any criterion points to, and the worklist
# lists the most urgent first. Spelled out rather than taken from the enum's order, so reordering
# the members cannot change clinical priority.
TIER_PRECEDENCE: tuple[AcuityTier, ...] = (AcuityTier.URGENT, AcuityTier.CRISIS_FOLLOW_UP, AcuityTier.PRIORITY,
                                           AcuityTier.ROUTINE)

# Where time is critical (DOMAIN.md: a same-day call-back, next-day contact after a crisis): never
# held for missing information, escalated around the clock rather than in working hours, counted
# as a crisis for the partnership's issue log, and "urgent" to an EHR.
TIME_CRITICAL_TIERS = frozenset({AcuityTier.URGENT, AcuityTier.CRISIS_FOLLOW_UP})
