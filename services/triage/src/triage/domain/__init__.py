"""The pure core of the triage service: policy model, business calendar and triage rules.

No I/O happens here (apart from `load_policy`, called explicitly) and no clock is read: the clock
start is always passed in, so every decision can be replayed and tested.
"""

from .calendar import clock_start_day, deadline, end_of_working_day, next_working_day
from .policy import BusinessCalendar, Policy, TierPolicy, TimeStandard, WorkingHours, load_policy
from .rules import TIER_PRECEDENCE, acuity_tier, age_on, choose_lead, language_matches, triage

__all__ = [
    "TIER_PRECEDENCE", "BusinessCalendar", "Policy", "TierPolicy", "TimeStandard", "WorkingHours",
    "acuity_tier", "age_on", "choose_lead", "clock_start_day", "deadline", "end_of_working_day",
    "language_matches", "load_policy", "next_working_day", "triage",
]
