"""Who counts as "the same person referred again to the same service"."""

from __future__ import annotations

import hashlib

from referral_contracts import ReferralRequest


def person_service_key(request: ReferralRequest) -> str:
    """The person's identifier and date of birth, and the kind of service sought.

    Hashed: the key is stored in an index and must not itself be personal data.
    """
    return _hashed(*_person(request), request.service_type.strip().casefold())


def person_key(request: ReferralRequest) -> str:
    """The person alone, whatever the service (hashed, like person_service_key): repeated crises."""
    return _hashed(*_person(request))


def _person(request: ReferralRequest) -> tuple[str, str]:
    return request.person.identifier.strip().casefold(), request.person.date_of_birth.isoformat()


def _hashed(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
