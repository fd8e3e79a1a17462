"""The resource directory read from a folder of Open Referral HSDS-style CSV tables.

One file per table, a header row, HSDS column names. Every column listed below must be in the
header, even where its values may be empty: a misspelt "min_age" or "e-mail" would otherwise widen
eligibility or lose an address without a word. Other columns are ignored, so a fuller HSDS export
loads too. Only organizations.csv and services.csv must exist; a missing table has no rows. File
order is kept: it is the order of agencies, services, leads, areas and languages in the Directory.

| file (HSDS 3.0 table)                | columns read                                     | becomes in the Directory         |
|--------------------------------------|--------------------------------------------------|----------------------------------|
| organizations.csv (organization)     | id, name                                         | Agency.id, Agency.name           |
| services.csv (service)               | id, organization_id, name, status, service_type* | Service of that agency           |
| locations.csv (location)             | id, organization_id                              | checked only (no location model) |
| service_at_locations.csv             | service_id, location_id                          | checked only                     |
| eligibility.csv (pre-3.0 table)      | service_id, minimum_age, maximum_age             | Eligibility.min_age / max_age    |
| service_areas.csv (service_area)     | service_id, name = area code                     | Eligibility.areas                |
| languages.csv (language)             | service_id, code                                 | Eligibility.languages            |
| contacts.csv (contact)               | id, organization_id, name, title = role, email   | Lead of that agency              |
| phones.csv (phone)                   | contact_id, number                               | Lead.phone                       |
| capacity.csv* (extension)            | service_id, capacity                             | Service.capacity                 |

Starred names are not HSDS, and why:
- service_type is a plain column. HSDS classifies services through attribute + taxonomy_term rows;
  a publisher's taxonomy (AIRS, Open Eligibility) would need mapping onto our few routing types
  anyway, so a column the partnership fills in directly is smaller and cannot be ambiguous.
- capacity.csv holds the status triage routes on (available / waitlist / no_capacity). HSDS 3.1's
  service_capacity counts units (available, maximum, per unit such as beds); a count cannot say
  "waitlist open", and the partnership reports a status, not counts.
- Ages sit in a separate eligibility.csv (the pre-3.0 shape); HSDS 3.0 has minimum_age,
  maximum_age and eligibility_description on service itself. Empty ages mean 0 and 150; the
  free-text eligibility column is not read.
A contact's title is one of the lead roles (referral_contact, operational, safeguarding, clinical,
partnership); a contact has at most one phone. Capacity missing for a service means available, as
in the JSON form. Areas come only from service_areas, not from locations.

Ids must be unique in the tables others refer to (organizations, services, locations, contacts);
a service has at most one eligibility row and one capacity row. Bad data is refused with HsdsError
(a ValueError) naming file, row (the header is row 1) and column. Rows tied to something the
Directory cannot hold (a contact without an organization, a language without a service) are
refused rather than dropped, so nothing is silently lost.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from .directory import Capacity, Directory, LeadRole, ServiceStatus

Choice = TypeVar("Choice", bound=StrEnum)
Found = TypeVar("Found")


class HsdsError(ValueError):
    def __init__(self, file: str, row: int | None, column: str | None, problem: str) -> None:
        self.file, self.row, self.column, self.problem = file, row, column, problem
        where = file + (f" row {row}" if row is not None else "") + (f", column {column}" if column else "")
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class _Row:
    file: str
    number: int
    values: Mapping[str | None, Any]  # a DictReader row: None keys the values beyond the header

    def error(self, column: str, problem: str) -> HsdsError:
        return HsdsError(self.file, self.number, column, problem)

    def optional(self, column: str) -> str:
        return (self.values.get(column) or "").strip()

    def required(self, column: str) -> str:
        value = self.optional(column)
        if not value:
            raise self.error(column, "is empty")
        return value

    def choice(self, column: str, kind: type[Choice]) -> Choice:
        value = self.required(column)
        try:
            return kind(value)
        except ValueError:
            raise self.error(column, f"{value!r} is not one of: {', '.join(kind)}") from None

    def age(self, column: str) -> int | None:
        value = self.optional(column)
        if value and not value.isdecimal():
            raise self.error(column, f"{value!r} is not a whole number of years")
        return int(value) if value else None

    def reference(self, column: str, known: Mapping[str, Found], table: str) -> Found:
        key = self.required(column)
        if key not in known:
            raise self.error(column, f"{key!r} is not an id in {table}")
        return known[key]

    def first(self, column: str, seen: dict[str, int]) -> str:
        """The value, refused if an earlier row of this file had it (ids; one-per-service rows)."""
        key = self.required(column)
        if key in seen:
            raise self.error(column, f"{key!r} already appears in row {seen[key]}")
        seen[key] = self.number
        return key


def _read(folder: Path, file: str, columns: tuple[str, ...], *, must_exist: bool = False) -> list[_Row]:
    path = folder / file
    if not path.is_file():
        if must_exist:
            raise HsdsError(file, None, None, f"missing from {folder}")
        return []
    # utf-8-sig: spreadsheets often save a byte-order mark, which would otherwise join the first name.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = header
        for column in columns:
            if column not in header:
                raise HsdsError(file, 1, column, "missing from the header")
        rows = [_Row(file, number, values) for number, values in enumerate(reader, start=2)]
    for row in rows:
        if any(value.strip() for value in row.values.get(None) or []):
            raise HsdsError(file, row.number, None, f"more values than the {len(header)} columns of the header")
    # Spreadsheets save rows of empty cells below the data; they say nothing, so they are skipped.
    return [row for row in rows if any(row.optional(column) for column in header)]


def load_hsds_directory(folder: Path) -> Directory:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no HSDS folder at {folder}")
    agencies: dict[str, dict[str, Any]] = {}
    services: dict[str, dict[str, Any]] = {}

    seen: dict[str, int] = {}
    for row in _read(folder, "organizations.csv", ("id", "name"), must_exist=True):
        agency_id = row.first("id", seen)
        agencies[agency_id] = {"id": agency_id, "name": row.required("name"), "services": [], "leads": []}

    seen = {}
    columns = ("id", "organization_id", "name", "status", "service_type")
    for row in _read(folder, "services.csv", columns, must_exist=True):
        service_id = row.first("id", seen)
        agency = row.reference("organization_id", agencies, "organizations.csv")
        service = {"id": service_id, "name": row.required("name"), "service_type": row.required("service_type"),
                   "status": row.choice("status", ServiceStatus), "eligibility": {"areas": [], "languages": []}}
        services[service_id] = service
        agency["services"].append(service)

    locations: dict[str, int] = {}
    for row in _read(folder, "locations.csv", ("id", "organization_id")):
        row.first("id", locations)
        if row.optional("organization_id"):  # HSDS lets a location belong to no organization
            row.reference("organization_id", agencies, "organizations.csv")

    for row in _read(folder, "service_at_locations.csv", ("service_id", "location_id")):
        row.reference("service_id", services, "services.csv")
        row.reference("location_id", locations, "locations.csv")

    seen = {}  # the Directory holds one age range per service
    for row in _read(folder, "eligibility.csv", ("service_id", "minimum_age", "maximum_age")):
        eligibility = row.reference("service_id", services, "services.csv")["eligibility"]
        minimum, maximum = row.age("minimum_age"), row.age("maximum_age")
        if minimum is not None and maximum is not None and minimum > maximum:
            raise row.error("maximum_age", f"{maximum} is below minimum_age {minimum}")
        row.first("service_id", seen)
        eligibility.update({key: age for key, age in (("min_age", minimum), ("max_age", maximum)) if age is not None})

    for file, column, key in (("service_areas.csv", "name", "areas"), ("languages.csv", "code", "languages")):
        for row in _read(folder, file, ("service_id", column)):
            eligibility = row.reference("service_id", services, "services.csv")["eligibility"]
            eligibility[key].append(row.required(column))

    contacts: dict[str, dict[str, Any]] = {}
    seen = {}
    for row in _read(folder, "contacts.csv", ("id", "organization_id", "name", "title", "email")):
        contact_id = row.first("id", seen)
        agency = row.reference("organization_id", agencies, "organizations.csv")
        lead = {"role": row.choice("title", LeadRole), "name": row.required("name"),
                "email": row.optional("email") or None}
        contacts[contact_id] = lead
        agency["leads"].append(lead)

    seen = {}  # a lead has one phone: the number escalations call or text
    for row in _read(folder, "phones.csv", ("contact_id", "number")):
        lead = row.reference("contact_id", contacts, "contacts.csv")
        lead["phone"] = row.required("number")
        row.first("contact_id", seen)

    seen = {}
    for row in _read(folder, "capacity.csv", ("service_id", "capacity")):
        service = row.reference("service_id", services, "services.csv")
        service["capacity"] = row.choice("capacity", Capacity)
        row.first("service_id", seen)

    return Directory.model_validate({"agencies": list(agencies.values())})
