"""The acuity tier from the policy's criteria checklist: risk flags and presenting-need phrases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from referral_contracts.tiers import TIER_PRECEDENCE, AcuityTier
from referral_contracts.policy import Policy
from referral_contracts.referral import ReferralRequest, RiskFlag



@dataclass(frozen=True)
class TierBasis:
    """The tier and the configured criteria that raised it."""

    tier: AcuityTier
    flags: tuple[RiskFlag, ...] = ()
    phrases: tuple[str, ...] = ()

    def reason(self) -> str:
        # Only the configured phrase is quoted, never the person's own words: reasons travel further
        # than the handoff package does.
        criteria = []
        if self.flags:
            criteria.append(f"risk flags {', '.join(str(flag) for flag in self.flags)}")
        if self.phrases:
            criteria.append("presenting needs mention " + ", ".join(f'"{p}"' for p in self.phrases))
        if not criteria:
            return f"tier {self.tier.value}: no risk flag or presenting need raises the tier"
        return f"tier {self.tier.value}: {'; '.join(criteria)}"


def acuity_tier(request: ReferralRequest, policy: Policy) -> TierBasis:
    """The highest tier any risk flag or presenting-need phrase points to."""
    flags = list(dict.fromkeys(request.risk_flags))
    needs = [_normalised(need) for need in request.presenting_needs]
    for tier in TIER_PRECEDENCE:
        criteria = policy.tier(tier)
        raising_flags = tuple(flag for flag in flags if flag in criteria.risk_flags)
        matched = tuple(p for p in criteria.presenting_need_phrases if _mentioned(p, needs))
        if raising_flags or matched:
            return TierBasis(tier, raising_flags, matched)
    return TierBasis(AcuityTier.ROUTINE)


def _mentioned(phrase: str, needs: Iterable[str]) -> bool:
    wanted = _normalised(phrase)
    return any(wanted in need for need in needs)


def _normalised(text: str) -> str:
    # Case and spacing are not meaning: "Thoughts  of\nending" is "thoughts of ending".
    return " ".join(text.casefold().split())
