"""The resource directory shared by triage (routing) and the notifier (named recipients).

Shaped after Open Referral HSDS: organization (agency) -> service, with status, eligibility and a
capacity status, and the agency's named leads. It is kept either as one JSON file (this model,
serialised) or as Open Referral HSDS 3.0 (`hsds`); `Directory.load` takes both, so services have
one setting, DIRECTORY_PATH (and DIRECTORY_EXTENSION_PATH for HSDS's extension file).
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator

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
    OPERATIONAL = "operational"  # overdue referrals
    # Risk flags go to the "safeguarding / clinical lead"; agencies often name two people for it.
    SAFEGUARDING = "safeguarding"
    CLINICAL = "clinical"
    PARTNERSHIP = "partnership"  # repeated breaches


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

    def serves_area(self, area: str) -> bool:
        """Whether a person's area is served: every area when none is listed; otherwise a listed
        area equals the person's, ignoring case and spaces, or, when the person's area is a UK
        postcode, its district ("AB1" for "AB1 2CD") or its postcode area ("AB")."""
        if not self.areas:
            return True
        return bool({_flat(a) for a in self.areas} & _area_names(area))


class Service(Contract):
    id: str
    name: str
    service_type: str | None = Field(default=None, description="The routing type; none: no referral is routed to it.")
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

    @model_validator(mode="after")
    def _ids_are_unique(self) -> Directory:
        # Lookups by id (routing, recipients, capacity updates) must find one thing, not the first.
        for kind, ids in (
            ("agency", [a.id for a in self.agencies]),
            ("service", [s.id for a in self.agencies for s in a.services]),
        ):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise ValueError(f"{kind} ids must be unique; repeated: {', '.join(repeated)}")
        return self

    def agency(self, agency_id: str) -> Agency | None:
        return next((a for a in self.agencies if a.id == agency_id), None)

    def service(self, service_id: str) -> tuple[Agency, Service] | None:
        """The service with this id and the agency that provides it."""
        return next(((a, s) for a in self.agencies for s in a.services if s.id == service_id), None)

    def with_capacity(self, service_id: str, capacity: Capacity | str) -> Directory:
        """A new directory where only this service's capacity differs; this one is left as it is.

        KeyError if no service has this id; ValueError if `capacity` is not a capacity status.
        """
        if self.service(service_id) is None:
            raise KeyError(f"no service {service_id!r} in the directory")
        try:
            capacity = Capacity(capacity)
        except ValueError:
            choices = ", ".join(Capacity)
            raise ValueError(f"{capacity!r} is not a capacity status ({choices}) for service {service_id!r}") from None

        def updated(agency: Agency) -> Agency:
            if all(s.id != service_id for s in agency.services):
                return agency  # unchanged agencies are shared: every model here is frozen
            services = [s.model_copy(update={"capacity": capacity}) if s.id == service_id else s
                        for s in agency.services]
            return agency.model_copy(update={"services": services})

        return self.model_copy(update={"agencies": [updated(a) for a in self.agencies]})

    @classmethod
    def load(cls, path: str | Path, extension: str | Path | None = None) -> Directory:
        """Open Referral HSDS 3.0, a folder of its CSV tables or a file of its JSON, with the optional
        extension (see `hsds`); or a JSON file of this model itself (it has `agencies`)."""
        path = Path(path)
        if path.is_file() and path.suffix == ".json":
            document = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(document, dict) and "agencies" in document:
                return cls.model_validate(document)
        from .hsds import load_hsds_directory  # here, not at the top: hsds imports this module

        return load_hsds_directory(path, extension)


_POSTCODE = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?) ?[0-9][A-Z]{2}$")


def _flat(text: str) -> str:
    return "".join(text.split()).upper()


def _area_names(area: str) -> set[str]:
    """The names a person's area is known by: itself, and for a postcode its district and area."""
    names = {_flat(area)}
    if found := _POSTCODE.match(" ".join(area.upper().split())):
        names |= {found[1] + found[2], found[1]}
    return names
