"""Choosing the accountable lead agency from the directory: service type, status, capacity and
eligibility, the partnership's order of preference, agencies that may not lead, a suggestion."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from referral_contracts.directory import Agency, Capacity, Directory, Eligibility, Service, ServiceStatus
from referral_contracts.tiers import AcuityTier
from referral_contracts.referral import Person, ReferralRequest


@dataclass(frozen=True)
class LeadChoice:
    agency: Agency | None
    service: Service | None
    reasons: list[str] = field(default_factory=list)


def choose_lead(
    request: ReferralRequest,
    directory: Directory,
    *,
    accepted_capacity: Iterable[Capacity],
    tier: AcuityTier,
    on: date,
    excluded: Mapping[str, str],
    suggested: str | None = None,
) -> LeadChoice:
    """The first suitable (agency, service) in directory order, which is the partnership's order of
    preference, with `suggested` tried first; `excluded` maps agencies that may not lead to why.
    Every candidate of the right service type that was passed over gets a reason."""
    accepted = set(accepted_capacity)
    reasons = _suggestion_notes(suggested, request.service_type, directory, excluded)
    for agency in _preferred_first(directory.agencies, suggested):
        candidates = [s for s in agency.services if s.service_type == request.service_type]
        if not candidates:
            continue
        if agency.id in excluded:
            reasons.append(f"skipped {agency.id}: {excluded[agency.id]}")
            continue
        for service in candidates:
            problems = service_problems(service, request.person, accepted, tier, on)
            if not problems:
                why = ("suggested, and eligible with capacity" if agency.id == suggested else
                       f"first eligible {request.service_type} service with capacity in the partnership's "
                       "order of preference")
                reasons.append(f"lead {agency.id} (service {service.id}): {why}")
                return LeadChoice(agency, service, reasons)
            reasons.append(f"skipped {agency.id}/{service.id}: {'; '.join(problems)}")
    return LeadChoice(None, None, reasons)


def named_lead(
    request: ReferralRequest,
    directory: Directory,
    *,
    named: str,
    accepted_capacity: Iterable[Capacity],
    tier: AcuityTier,
    on: date,
    excluded: Mapping[str, str],
) -> LeadChoice:
    """The triage desk names the lead itself ("no wrong door": the desk can always place a referral):
    any agency of the directory that may lead, whatever the usual match says. What the usual match
    would have said is kept beside the choice, so the record shows it was the desk's call."""
    agency = directory.agency(named)
    if agency is None:
        return LeadChoice(None, None, [f"named {named} is not in the directory"])
    if named in excluded:
        return LeadChoice(None, None, [f"named {named} cannot lead: {excluded[named]}"])
    offered = [s for s in agency.services if s.service_type == request.service_type]
    problems = {s.id: service_problems(s, request.person, set(accepted_capacity), tier, on) for s in offered}
    fitting = next((s for s in offered if not problems[s.id]), None)
    if fitting is not None:
        return LeadChoice(agency, fitting, [f"lead {named} (service {fitting.id}): named by the triage desk, "
                                            "eligible with capacity"])
    outside = ([f"{s.id}: {'; '.join(problems[s.id])}" for s in offered] if offered
               else [f"{named} offers no {request.service_type} service"])
    service = offered[0] if offered else None
    return LeadChoice(agency, service, [f"lead {named}: named by the triage desk outside the directory's usual "
                                        f"match ({'; '.join(outside)})"])


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
    if not eligibility.serves_area(person.area):
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


def _preferred_first(agencies: list[Agency], suggested: str | None) -> list[Agency]:
    return sorted(agencies, key=lambda agency: agency.id != suggested)  # stable: order kept otherwise


def _suggestion_notes(suggested: str | None, service_type: str, directory: Directory,
                      excluded: Mapping[str, str]) -> list[str]:
    if suggested is None:
        return []
    agency = directory.agency(suggested)
    if agency is None:
        return [f"suggested {suggested} is not in the directory"]
    if suggested in excluded:
        return [f"suggested {suggested} cannot lead: {excluded[suggested]}"]
    if not any(s.service_type == service_type for s in agency.services):
        # Said, not silently ignored: only the triage desk places a referral outside the usual match.
        return [f"suggested {suggested} offers no {service_type} service; the triage desk may name it as lead"]
    return []
