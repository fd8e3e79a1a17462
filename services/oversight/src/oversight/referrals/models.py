"""A referral as the read side keeps it: the latest state tracking's fold published for it
(`referral.changed`'s data), under its id. No timeline and no personal data: tracking keeps those."""

from __future__ import annotations

from uuid import UUID

from referral_contracts.changes import ReferralState


class Referral(ReferralState):
    referral_id: UUID
