"""Who may do what in tracking, each rule written once. Pure: the caller and the referral come in.

A referral is read by the agencies with a part in it (sender, leads now, before and offered) and by
the partnership-wide roles (oversight, the triage desk); to anyone else it does not exist, and is
answered exactly as an unknown id (404). The other rules answer None when the caller may, or the
rule it breaks, in words for a 403 (agency ids and role names, never data). Role rules shared by
every service (acting as oneself, sending one's own referrals) are in `service_kit.access`; who sees
which figures, the quality review and the issue log are the oversight service's rules.
"""

from __future__ import annotations

from referral_contracts import DataCategory, may_share
from service_kit.access import partnership_wide, refusal_to_act_as
from service_kit.auth import Principal, Role

from tracking.lifecycle.model import ReferralView

NOT_KNOWN = "no such referral, or one the caller's agency has no part in (the same answer)"


def not_known(referral_id: object) -> str:
    """The one answer for an unknown referral and for one the caller may not read."""
    return f"referral {referral_id} is not known to tracking"


def has_part(view: ReferralView, agency_id: str) -> bool:
    """Sender, lead now, a lead before, offered it (pending), or holding it (e.g. the triage desk)."""
    return agency_id in view.involved_agencies()


def may_read(view: ReferralView, caller: Principal) -> bool:
    """The referral (state, timeline, accountability, escalations, FHIR): those with a part, and
    oversight and the triage desk. Anyone else is answered as for an unknown id."""
    return partnership_wide(caller) or has_part(view, caller.agency_id)


def refusal_to_act(view: ReferralView, caller: Principal) -> str | None:
    """Recording a milestone, for a caller that may read the referral: only an agency with a part
    in it (the lifecycle then says whether it may now). The triage desk reads every referral but
    acts only on those it has a part in; oversight acts on none."""
    if not caller.has(Role.AGENCY):
        return refusal_to_act_as(caller, caller.agency_id)
    if not has_part(view, caller.agency_id):
        return (f"{caller.agency_id} has no part in this referral: it may read it, and acts only on "
                "referrals it has a part in")
    return None


def refusal_of_package(view: ReferralView, caller: Principal) -> str | None:
    """The person's handoff package, for a caller that may read the referral: only an agency with a
    part in it; the sender always, anyone else while consent allows sharing it."""
    agency = caller.agency_id
    if not caller.has(Role.AGENCY):
        return f"{agency}: an oversight key reads referrals, never the person's details"
    if not has_part(view, agency):
        return f"{agency} has no part in this referral: only agencies with a part read the person's details"
    if agency != view.source_agency_id and not may_share(view.consent, DataCategory.HANDOFF_PACKAGE, agency):
        return f"consent ({view.consent.status.value}) does not allow sharing the package with {agency}"
    return None

