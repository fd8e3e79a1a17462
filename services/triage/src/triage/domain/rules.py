"""The triage decision: tier, warm handoff, clock and deadline, missing information and the
accountable lead agency, for a new referral (`triage`) and for one a lead routes on (`reroute`).

Pure: the same request, directory, policy and clock start always give the same decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone

from referral_contracts.calendar import close_of_business, deadline
from referral_contracts.directory import Directory
from referral_contracts.envelope import Actor
from referral_contracts.events import Reroute, TriageDecision, TriageOutcome
from referral_contracts.tiers import TIME_CRITICAL_TIERS, AcuityTier
from referral_contracts.policy import ClockStart, Policy, TierPolicy
from referral_contracts.referral import ReferralRequest, RiskFlag

from .required_information import missing_information
from .routing import choose_lead, named_lead
from .tiering import TierBasis, acuity_tier

REFERRING_AGENCY = "it is the referring agency"


def clock_start_for(
    request: ReferralRequest, policy: Policy, *, submitted_at: datetime, triaged_at: datetime
) -> datetime:
    """The clock start the request's tier names: when the platform received it, or the decision."""
    tier = acuity_tier(request, policy).tier
    return submitted_at if policy.tier(tier).clock_starts_at is ClockStart.SUBMITTED else triaged_at


def triage(
    request: ReferralRequest, *, directory: Directory, policy: Policy, clock_start: datetime
) -> TriageDecision:
    """Decide tier, deadline and lead. Missing required information asks the sender (outcome
    CLARIFICATION_NEEDED) unless the tier is never held for it. With no suitable agency the
    decision is UNASSIGNED, still with a deadline: the triage desk stays accountable; a referral
    is never bounced back bare."""
    return _decide(
        request, directory=directory, policy=policy, clock_start=clock_start,
        excluded={request.source_agency_id: REFERRING_AGENCY}, hold_for_information=True,
        unassigned=lambda tier: (
            f"unassigned: no agency offers an eligible {request.service_type} service with capacity for "
            f"{tier.value}; {policy.triage_desk_agency_id} stays accountable until a lead is found"
        ),
    )


def reroute(reroute: Reroute, *, directory: Directory, policy: Policy, clock_start: datetime,
            requested_by: Actor | None = None) -> TriageDecision:
    """No wrong door: route the latest handoff package on, tiered as any request, to an agency that
    is neither the sender, the current lead nor an earlier lead; the suggestion first if eligible.
    When the triage desk asked and named an agency, that agency is the lead (`named_lead`: also
    outside the usual match, an earlier lead included), with the desk's reason. A referral already
    with a lead is never held for missing information (the sender is still asked). The service
    layer sets `reroute_of`."""
    request, current = reroute.request, reroute.current_lead_agency_id
    excluded = {request.source_agency_id: REFERRING_AGENCY}
    excluded.setdefault(current, "it is the current lead, which asked to route it on")
    desk = requested_by is not None and requested_by.agency_id == policy.triage_desk_agency_id
    if desk and reroute.suggested_agency_id:
        who = f"{requested_by.agency_id} ({requested_by.person})" if requested_by.person else requested_by.agency_id
        return _decide(
            request, directory=directory, policy=policy, clock_start=clock_start, excluded=excluded,
            hold_for_information=False, named=reroute.suggested_agency_id,
            # The desk's own words stay on its milestone (the timeline); reasons travel further.
            first_reason=f"lead named by the triage desk {who}: {reroute.reason.value}",
            unassigned=lambda tier: f"unassigned: {policy.triage_desk_agency_id} still holds it",
        )
    for agency_id in reroute.excluded_agencies:
        excluded.setdefault(agency_id, "an earlier lead")
    return _decide(
        request, directory=directory, policy=policy, clock_start=clock_start, excluded=excluded,
        hold_for_information=False, suggested=reroute.suggested_agency_id,
        first_reason=f"reroute requested by {current}: {reroute.reason.value}",
        unassigned=lambda tier: (
            f"unassigned: no other agency offers an eligible {request.service_type} service with capacity "
            f"for {tier.value}; {policy.triage_desk_agency_id} joins, and {current} stays accountable "
            "until a new lead accepts"
        ),
    )


def _tier_reasons(request: ReferralRequest, basis: TierBasis, tier_policy: TierPolicy,
                  handoff_flags: list[RiskFlag]) -> list[str]:
    """Why this tier and this deadline, and who stays accountable through a warm handoff."""
    started = "on receipt" if tier_policy.clock_starts_at is ClockStart.SUBMITTED else "at triage"
    reasons = [basis.reason(), f"first contact due {tier_policy.standard.describe()}, clock started {started}"]
    if handoff_flags:
        reasons.append(
            f"warm handoff ({', '.join(str(flag) for flag in handoff_flags)}): {request.source_agency_id} "
            "stays accountable with the lead until first engagement"
        )
    return reasons


def _decide(
    request: ReferralRequest,
    *,
    directory: Directory,
    policy: Policy,
    clock_start: datetime,
    excluded: Mapping[str, str],
    hold_for_information: bool,
    unassigned: Callable[[AcuityTier], str],
    suggested: str | None = None,
    named: str | None = None,
    first_reason: str | None = None,
) -> TriageDecision:
    basis = acuity_tier(request, policy)
    tier_policy = policy.tier(basis.tier)
    due = deadline(clock_start, tier_policy.standard, policy.calendar)  # also rejects a naive start
    handoff_flags = [flag for flag in dict.fromkeys(request.risk_flags) if flag in policy.warm_handoff_flags]
    missing = missing_information(request, policy, basis.tier)
    clarification_due = close_of_business(clock_start, policy.calendar) if missing else None

    reasons = ([first_reason] if first_reason else []) + _tier_reasons(request, basis, tier_policy, handoff_flags)
    held = bool(missing) and hold_for_information and basis.tier not in TIME_CRITICAL_TIERS  # care never waits for paperwork
    if missing:
        ask = f"missing {', '.join(missing)}: {request.source_agency_id} is asked for it by close of business"
        reasons.append(f"clarification needed: {ask}; {policy.triage_desk_agency_id} stays accountable"
                       if held else f"{ask}; care is not held up for it")

    lead = service = None
    if not held:
        # Age is judged on the partnership's calendar date, not UTC's: near midnight they differ.
        on = clock_start.astimezone(policy.calendar.zone).date()
        choice = (named_lead(request, directory, named=named, accepted_capacity=tier_policy.accepted_capacity,
                             tier=basis.tier, on=on, excluded=excluded) if named else
                  choose_lead(request, directory, accepted_capacity=tier_policy.accepted_capacity, tier=basis.tier,
                              on=on, excluded=excluded, suggested=suggested))
        lead, service = choice.agency, choice.service
        reasons.extend(choice.reasons)
        if lead is None:
            reasons.append(unassigned(basis.tier))

    outcome = (TriageOutcome.CLARIFICATION_NEEDED if held
               else TriageOutcome.ASSIGNED if lead else TriageOutcome.UNASSIGNED)
    return TriageDecision(
        outcome=outcome,
        tier=basis.tier,
        lead_agency_id=lead.id if lead else None,
        service_id=service.id if service else None,
        clock_started_at=clock_start.astimezone(timezone.utc),
        contact_deadline=due,
        review_deadline=(deadline(clock_start, tier_policy.review_within, policy.calendar)
                         if tier_policy.review_within else None),
        warm_handoff=bool(handoff_flags),
        interim_safety_actions=list(tier_policy.interim_safety_actions),
        reasons=reasons,
        missing_information=missing,
        clarification_due=clarification_due,
        excluded_agencies=list(excluded),
    )
