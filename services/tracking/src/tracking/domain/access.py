"""Who may see a referral: the agencies with a part in it (sender, leads past, present and
offered), and the partnership-wide roles (triage desk, oversight). Pure: the caller comes in."""

from __future__ import annotations

from .model import ReferralView


def may_read(view: ReferralView, agency_id: str, *, partnership_wide: bool = False) -> bool:
    return partnership_wide or agency_id in view.involved_agencies()
