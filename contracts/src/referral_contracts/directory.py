"""The resource directory file shared by triage (routing) and the notifier (named recipients).

Shaped after Open Referral HSDS: organization (agency) -> service, with status, eligibility and a
capacity status, and the agency's named leads.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

from pydantic import Field

from .envelope import Contract


class ServiceStatus(StrEnum):  # HSDS service.status
    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"


class Capacity(StrEnum):
    AVAILABLE = "available"
    WAITLIST = "waitlist"
    NO_CAPACITY = "no_capacity"


class LeadRole(StrEnum):
    REFERRAL_CONTACT = "referral_contact"  # receives confirmations and closure messages
    OPERATIONAL = "operational"
    SAFEGUARDING = "safeguarding"
    PARTNERSHIP = "partnership"


class Lead(Contract):
    role: LeadRole
    name: str
    email: str | None = None
    phone: str | None = None


class Eligibility(Contract):
    min_age: int = Field(default=0, ge=0)
    max_age: int = Field(default=150, ge=0)
    areas: list[str] = Field(default_factory=list, description="Empty: every area.")
    languages: list[str] = Field(default_factory=list, description="Empty: every language.")


class Service(Contract):
    id: str
    name: str
    service_type: str
    status: ServiceStatus = ServiceStatus.ACTIVE
    capacity: Capacity = Capacity.AVAILABLE
    eligibility: Eligibility = Field(default_factory=Eligibility)


class Agency(Contract):
    id: str
    name: str
    services: list[Service] = Field(default_factory=list)
    leads: list[Lead] = Field(default_factory=list)

    def leads_in(self, role: LeadRole) -> list[Lead]:
        return [lead for lead in self.leads if lead.role is role]


class Directory(Contract):
    agencies: list[Agency]

    def agency(self, agency_id: str) -> Agency | None:
        return next((a for a in self.agencies if a.id == agency_id), None)

    @classmethod
    def load(cls, path: str | Path) -> Directory:
        return cls.model_validate(json.loads(Path(path).read_text()))
