"""Who receives a closure notice: the originating agency's named referral contacts.

A notice nobody can receive is an error, never a silent skip: the sender would otherwise wait for
a closure that never comes, which is the very failure this platform exists to prevent.
"""

from __future__ import annotations

from referral_contracts.directory import Directory, LeadRole


class Undeliverable(Exception):
    """A notice that cannot be delivered whatever we retry: the directory must change first.

    `reason` names ids only (never people), fit for a log line or a dead-letter header.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownAgency(Undeliverable):
    def __init__(self, agency_id: str) -> None:
        super().__init__(f"agency {agency_id!r} is not in the directory")
        self.agency_id = agency_id


class NoReferralContact(Undeliverable):
    def __init__(self, agency_id: str, role: LeadRole = LeadRole.REFERRAL_CONTACT) -> None:
        super().__init__(f"agency {agency_id!r} has no {role.value} lead with an email address")
        self.agency_id = agency_id


def lead_recipients(directory: Directory, agency_id: str, role: LeadRole) -> list[str]:
    """The email addresses of the agency's named leads in `role`, in directory order, each once."""
    agency = directory.agency(agency_id)
    if agency is None:
        raise UnknownAgency(agency_id)
    addresses = [lead.email.strip() for lead in agency.leads_in(role) if lead.email]
    unique = list(dict.fromkeys(a for a in addresses if a))
    if not unique:
        raise NoReferralContact(agency_id, role)
    return unique


def closure_recipients(directory: Directory, agency_id: str) -> list[str]:
    """The agency's referral contacts: who hears how its referrals closed, or what triage needs."""
    return lead_recipients(directory, agency_id, LeadRole.REFERRAL_CONTACT)


def lead_phones(directory: Directory, agency_id: str, role: LeadRole) -> list[str]:
    """The phone numbers of the agency's named leads in `role`; empty when none has one."""
    agency = directory.agency(agency_id)
    if agency is None:
        raise UnknownAgency(agency_id)
    return list(dict.fromkeys(lead.phone.strip() for lead in agency.leads_in(role) if lead.phone))
