"""Which of the partnership's required information a referral lacks.

The schema already refuses a referral without its core fields (intake answers 422); these are the
fields a partnership requires beyond that, e.g. a phone number or current medications. A missing
field is asked of the sender (a clarification request), never a silent rejection.
"""

from __future__ import annotations

from referral_contracts.tiers import AcuityTier
from referral_contracts.policy import Policy
from referral_contracts.referral import ConsentStatus, ReferralRequest

CONSENT_STATUS = "consent.status"


def missing_information(request: ReferralRequest, policy: Policy, tier: AcuityTier) -> list[str]:
    """Dotted paths of the required fields that are missing for this tier, in policy order. Unknown
    consent counts as missing `consent.status`: sharing cannot follow a consent nobody asked for."""
    missing = [path for path in policy.required_fields_for(tier) if is_empty(value_at(request, path))]
    if request.consent.status is ConsentStatus.UNKNOWN and CONSENT_STATUS not in missing:
        missing.append(CONSENT_STATUS)
    return missing


def value_at(request: ReferralRequest, path: str) -> object:
    """The value at a dotted path; None when a step on the way is absent. The policy checked at load
    time that every configured path names a referral field."""
    value: object = request
    for name in path.split("."):
        if value is None:
            return None
        value = getattr(value, name)
    return value


def is_empty(value: object) -> bool:
    """None, a blank string, or a list with nothing but blanks in it carries no information."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return all(is_empty(item) for item in value)
    return False
