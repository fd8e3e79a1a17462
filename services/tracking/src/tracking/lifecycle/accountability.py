"""Who is accountable, over time: periods that follow each other with no gap."""

from __future__ import annotations

from datetime import datetime

from tracking.lifecycle.model import Accountable, AccountabilityPeriod, ReferralView, Role


def hand_over(view: ReferralView, holders: list[Accountable], at: datetime) -> ReferralView:
    """End the current period at `at` and start the next with `holders` (none: the loop closed)."""
    if holders == view.accountable:
        return view
    history = list(view.accountability)
    history[-1] = history[-1].model_copy(update={"end": at})
    if holders:
        history.append(AccountabilityPeriod(accountable=holders, start=at))
    return view.model_copy(update={"accountable": holders, "accountability": history})


def accountable_at(view: ReferralView, moment: datetime) -> list[Accountable]:
    """Who held responsibility at `moment`; empty before submission and after closure."""
    for period in view.accountability:
        if period.start <= moment and (period.end is None or moment < period.end):
            return period.accountable
    return []


def sender(view: ReferralView, person: str | None = None) -> Accountable:
    return Accountable(agency_id=view.source_agency_id, role=Role.SENDER, person=person)


def lead(agency_id: str, person: str | None = None) -> Accountable:
    return Accountable(agency_id=agency_id, role=Role.LEAD, person=person)


def with_warm_handoff(view: ReferralView, holders: list[Accountable]) -> list[Accountable]:
    """Warm handoff: the sender stays accountable beside the lead until first engagement."""
    senders = [h for h in view.accountable if h.role is Role.SENDER] or [sender(view)]
    return senders + holders if view.warm_handoff else holders
