"""The shared triage criteria: acuity tier, warm handoff, contact deadline and accountable lead agency.

Pure: the same request, directory, policy and clock start always give the same decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timezone

from referral_contracts.directory import Agency, Capacity, Directory, Eligibility, Service, ServiceStatus
from referral_contracts.events import AcuityTier, TriageDecision, TriageOutcome
from referral_contracts.referral import Person, ReferralRequest, RiskFlag

from .calendar import deadline
from .policy import Policy, TimeStandard

# Highest first: a referral takes the highest tier any of its flags points to. Spelled out rather
# than taken from the enum's order, so reordering the contract cannot change clinical priority.
TIER_PRECEDENCE: tuple[AcuityTier, ...] = (
    AcuityTier.URGENT,
    AcuityTier.CRISIS_FOLLOW_UP,
    AcuityTier.PRIORITY,
    AcuityTier.ROUTINE,
)


def triage(
    request: ReferralRequest, *, directory: Directory, policy: Policy, clock_start: datetime
) -> TriageDecision:
    """Decide tier, deadline and lead. With no suitable agency the decision is UNASSIGNED, still
    with a deadline: the triage desk stays accountable, a referral is never bounced back bare."""
    tier, raising_flags = acuity_tier(request.risk_flags, policy)
    tier_policy = policy.tier(tier)
    due = deadline(clock_start, tier_policy.standard, policy.calendar)  # also rejects a naive start
    handoff_flags = [flag for flag in _unique(request.risk_flags) if flag in policy.warm_handoff_flags]

    reasons = [_tier_reason(tier, raising_flags), _standard_reason(tier_policy.standard)]
    if handoff_flags:
        reasons.append(
            f"warm handoff ({_names(handoff_flags)}): {request.source_agency_id} stays accountable "
            "with the lead until first engagement"
        )

    # Age is judged on the partnership's calendar date, not UTC's: near midnight they differ.
    today = clock_start.astimezone(policy.calendar.zone).date()
    lead, service, lead_reasons = choose_lead(
        request, directory, accepted_capacity=tier_policy.accepted_capacity, tier=tier, on=today
    )
    reasons.extend(lead_reasons)
    if lead is None:
        reasons.append(
            f"unassigned: no agency offers an eligible {request.service_type} service with capacity "
            f"for {tier.value}; {policy.triage_desk_agency_id} stays accountable until a lead is found"
        )

    return TriageDecision(
        outcome=TriageOutcome.ASSIGNED if lead else TriageOutcome.UNASSIGNED,
        tier=tier,
        lead_agency_id=lead.id if lead else None,
        service_id=service.id if service else None,
        clock_started_at=clock_start.astimezone(timezone.utc),
        contact_deadline=due,
        warm_handoff=bool(handoff_flags),
        interim_safety_actions=list(tier_policy.interim_safety_actions),
        reasons=reasons,
    )


def acuity_tier(flags: Iterable[RiskFlag], policy: Policy) -> tuple[AcuityTier, list[RiskFlag]]:
    """The highest tier any flag points to, and the flags that put it there."""
    present = _unique(flags)
    for tier in TIER_PRECEDENCE:
        raising = [flag for flag in present if flag in policy.tier(tier).risk_flags]
        if raising:
            return tier, raising
    return AcuityTier.ROUTINE, []


def choose_lead(
    request: ReferralRequest,
    directory: Directory,
    *,
    accepted_capacity: Iterable[Capacity],
    tier: AcuityTier,
    on: date,
) -> tuple[Agency | None, Service | None, list[str]]:
    """The first suitable (agency, service) in directory order, which is the partnership's order of
    preference, plus a reason for every candidate of the right service type that was passed over."""
    accepted = set(accepted_capacity)
    reasons: list[str] = []
    for agency in directory.agencies:
        candidates = [s for s in agency.services if s.service_type == request.service_type]
        if not candidates:
            continue
        if agency.id == request.source_agency_id:
            # Referring a person back to the team that referred them closes no loop.
            reasons.append(f"skipped {agency.id}: it is the referring agency")
            continue
        for service in candidates:
            problems = service_problems(service, request.person, accepted, tier, on)
            if not problems:
                reasons.append(
                    f"lead {agency.id} (service {service.id}): first eligible {request.service_type} "
                    "service with capacity in the partnership's order of preference"
                )
                return agency, service, reasons
            reasons.append(f"skipped {agency.id}/{service.id}: {'; '.join(problems)}")
    return None, None, reasons


def service_problems(
    service: Service, person: Person, accepted: set[Capacity], tier: AcuityTier, on: date
) -> list[str]:
    """Why this service cannot take this person now; empty when it can."""
    problems: list[str] = []
    if service.status is not ServiceStatus.ACTIVE:
        problems.append(f"service is {service.status.value}")
    if service.capacity not in accepted:
        problems.append(f"capacity {service.capacity.value} not accepted for {tier.value}")
    problems.extend(eligibility_problems(service.eligibility, person, on))
    return problems


def eligibility_problems(eligibility: Eligibility, person: Person, on: date) -> list[str]:
    # Reasons name the rule, not the person's data: they travel further than the handoff package.
    problems: list[str] = []
    age = age_on(person.date_of_birth, on)
    if age < eligibility.min_age:
        problems.append(f"under the minimum age {eligibility.min_age}")
    elif age > eligibility.max_age:
        problems.append(f"over the maximum age {eligibility.max_age}")
    if eligibility.areas and person.area not in eligibility.areas:
        problems.append("area not served")
    if eligibility.languages and not language_matches(person.language, eligibility.languages):
        problems.append(f"language not offered (offers {', '.join(eligibility.languages)})")
    return problems


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years on `on`. Someone born on 29 February turns a year older on 1 March in common
    years (the English legal reading), which is what comparing (month, day) tuples gives."""
    had_birthday = (on.month, on.day) >= (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - (0 if had_birthday else 1)


def language_matches(tag: str, offered: Iterable[str]) -> bool:
    """BCP 47 basic filtering (RFC 4647 §3.3.1), case-insensitive: a service offering "en" serves
    "en-GB"; one offering "en-GB" does not serve plain "en"."""
    tag = tag.lower()
    return any(tag == o.lower() or tag.startswith(o.lower() + "-") for o in offered)


def _tier_reason(tier: AcuityTier, raising_flags: list[RiskFlag]) -> str:
    if raising_flags:
        return f"tier {tier.value}: risk flags {_names(raising_flags)}"
    return f"tier {tier.value}: no risk flag raises the tier"


def _standard_reason(standard: TimeStandard) -> str:
    if standard.hours is not None:
        return f"first contact due within {standard.hours} hours (wall clock)"
    return f"first contact due within {standard.business_days} business days (by close of working hours)"


def _unique(flags: Iterable[RiskFlag]) -> list[RiskFlag]:
    return list(dict.fromkeys(flags))


def _names(flags: Iterable[RiskFlag]) -> str:
    return ", ".join(str(flag) for flag in flags)  # StrEnum: str() is the value
