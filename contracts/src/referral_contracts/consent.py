"""What consent allows to leave the platform, decided in one place for every exit.

Exits: the closure message to the sender, reads of the handoff package by agencies, and
notifications. Each asks `may_share` before it shares anything about the person.
"""

from __future__ import annotations

from enum import StrEnum

from .referral import Consent, ConsentStatus


class DataCategory(StrEnum):
    OUTCOME = "outcome"  # how the referral ended (engaged, declined, ...)
    HANDOFF_PACKAGE = "handoff_package"  # the person's details, needs, risks and medications


def may_share(consent: Consent, category: DataCategory, agency_id: str) -> bool:
    """Granted: yes. Limited: only to the agencies in scope (if it names any) and only the
    categories in scope (if it names any). Refused, withdrawn or unknown: no."""
    if consent.status is ConsentStatus.GRANTED:
        return True
    if consent.status is ConsentStatus.LIMITED:
        agency_ok = not consent.agencies or agency_id in consent.agencies
        category_ok = not consent.data_categories or category.value in consent.data_categories
        return agency_ok and category_ok
    return False
