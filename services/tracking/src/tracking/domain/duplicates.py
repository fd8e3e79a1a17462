"""Who counts as "the same person referred again to the same service"."""

from __future__ import annotations

import hashlib

from referral_contracts import ReferralRequest


def person_service_key(request: ReferralRequest) -> str:
    """The person's identifier and date of birth, and the kind of service sought.

    Hashed: the key is stored in an index and must not itself be personal data.
    """
    person = request.person
    raw = "|".join([person.identifier.strip().casefold(), person.date_of_birth.isoformat(),
                    request.service_type.strip().casefold()])
    return hashlib.sha256(raw.encode()).hexdigest()
