"""How an agency holds a referral it is accountable for: the role in `referral.changed`'s
accountability, and how the agency an escalation tells holds it (`referral.escalation_raised` v2)."""

from __future__ import annotations

from enum import StrEnum


class HolderRole(StrEnum):
    SENDER = "sender"  # the sending agency: before a lead, and beside it during a warm handoff
    TRIAGE_DESK = "triage_desk"  # the partnership's desk: no agency took it, or a clarification is owed
    LEAD = "lead"  # the lead agency, whose own clock is first contact
