"""The pure core of the triage service: tiering, required information, routing and decisions.

The policy model and the business calendar it uses live in `referral_contracts.policy` and
`referral_contracts.calendar`, shared with tracking. No I/O happens here and no clock is read: the
clock start is always passed in, so every decision can be replayed and tested.
"""

from .capacity import ServiceOfAnotherAgency, UnknownService, check_capacity_change
from .required_information import is_empty, missing_information, value_at
from .routing import LeadChoice, age_on, choose_lead, eligibility_problems, language_matches, service_problems
from .rules import clock_start_for, reroute, triage
from .tiering import TierBasis, acuity_tier

__all__ = [
    "LeadChoice", "ServiceOfAnotherAgency", "TierBasis",
    "UnknownService", "acuity_tier", "age_on", "check_capacity_change", "choose_lead", "clock_start_for",
    "eligibility_problems", "is_empty", "language_matches", "missing_information", "reroute",
    "service_problems", "triage", "value_at",
]
