"""HSDS 3.0 tables (and the optional extension) as the platform's Directory, every problem recorded.

| HSDS 3.0                                   | becomes                                                  |
|--------------------------------------------|----------------------------------------------------------|
| organization: id, name                     | Agency                                                   |
| service: id, organization_id, name, status | Service of that agency, with its HSDS status             |
| service: minimum_age, maximum_age          | Eligibility ages (absent: 0 and 150)                     |
| service_area: service_id, name             | Eligibility.areas: a named area people's areas match     |
| language: service_id, code                 | Eligibility.languages (BCP 47 codes)                     |
| attribute + taxonomy_term (on a service)   | Service.service_type: the term's code, unless the        |
|                                            | extension names the type                                 |
| contact + phone                            | a Lead, when the extension gives the contact a role      |
| extension: capacity, areas                 | Service.capacity (default available), more areas         |
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..directory import Directory, ServiceStatus
from .extension import Extension
from .problems import Problems
from .tables import Reading, Row, Tables

SENTENCE = 40  # a service area name longer than this, with spaces, is a description, not an area name


def to_directory(tables: Tables, extension: Extension, problems: Problems, source: str) -> Directory | None:
    reading = Reading(problems)
    agencies = _organizations(tables["organizations"], reading)
    services = _services(tables["services"], agencies, reading)
    _types_from_taxonomy(tables, services, reading)
    locations = _locations(tables, agencies, services, reading)
    _areas(tables["service_areas"], services, locations, reading)
    _languages(tables["languages"], services, reading)
    contacts = _contacts(tables["contacts"], agencies, services, extension, reading)
    _phones(tables["phones"], contacts, reading)
    _apply_extension(extension, services, contacts, problems, reading.refused.get("services", set()))
    for service in services.values():
        if not service["service_type"]:
            problems.warning(service.pop("_file"), service.pop("_row"), service.pop("_column"),
                             f"service {service['id']!r} has no service type (no taxonomy term on it, none in the "
                             "extension): no referral can be routed to it")
        for key in ("_file", "_row", "_column"):
            service.pop(key, None)
    if problems.errors:
        return None
    try:
        return Directory.model_validate({"agencies": list(agencies.values())})
    except ValidationError as invalid:
        for item in invalid.errors(include_url=False):
            problems.error(source, None, ".".join(str(p) for p in item["loc"]), item["msg"])
        return None


def _organizations(rows: list[Row], reading: Reading) -> dict[str, dict[str, Any]]:
    agencies: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    for row in rows:
        agency_id, name = reading.first(row, "id", seen), reading.required(row, "name")
        if agency_id and name:
            agencies[agency_id] = {"id": agency_id, "name": name, "services": [], "leads": []}
        elif row.text("id") not in agencies:
            reading.refused.setdefault("organizations", set()).add(row.text("id"))
    return agencies


def _services(rows: list[Row], agencies: dict[str, dict[str, Any]], reading: Reading) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    for row in rows:
        service_id = reading.first(row, "id", seen)
        if not row.text("organization_id"):
            reading.error(row, "organization_id", "is empty")
        agency = reading.reference(row, "organization_id", agencies, "organizations")
        name, status = reading.required(row, "name"), reading.choice(row, "status", ServiceStatus)
        (ok_min, minimum), (ok_max, maximum) = reading.age(row, "minimum_age"), reading.age(row, "maximum_age")
        if minimum is not None and maximum is not None and minimum > maximum:
            reading.error(row, "maximum_age", f"{maximum} is below minimum_age {minimum}")
            ok_max = False
        if not (service_id and agency and name and status and ok_min and ok_max):
            reading.refused.setdefault("services", set()).add(row.text("id"))
            continue
        file, number, column = row.where("id")
        eligibility = {"areas": [], "languages": [], **({"min_age": minimum} if minimum is not None else {}),
                       **({"max_age": maximum} if maximum is not None else {})}
        service = {"id": service_id, "name": name, "status": status, "service_type": None,
                   "eligibility": eligibility, "_file": file, "_row": number, "_column": column}
        services[service_id] = service
        agency["services"].append(service)
    return services


def _types_from_taxonomy(tables: Tables, services: dict[str, dict[str, Any]], reading: Reading) -> None:
    """A service's type is the code of the first taxonomy term linked to it (an attribute whose
    link_id is the service: HSDS's own way of classifying services)."""
    codes = {row.text("id"): row.text("code") for row in tables["taxonomy_terms"] if row.text("id")}
    for row in tables["attributes"]:
        service = services.get(row.text("link_id"))
        if service is None or row.text("link_entity") not in ("", "service") or service["service_type"]:
            continue
        code = reading.reference(row, "taxonomy_term_id", codes, "taxonomy_terms", warn=True)
        service["service_type"] = code or None


def _locations(tables: Tables, agencies: dict, services: dict, reading: Reading) -> dict[str, str | None]:
    """Locations are checked, not kept: the platform routes on services. A location of an
    organization the directory does not list is only a warning (Open Referral's example has one)."""
    locations: dict[str, str | None] = {}
    seen: dict[str, str] = {}
    for row in tables["locations"]:
        location_id = reading.first(row, "id", seen)
        if location_id:
            reading.reference(row, "organization_id", agencies, "organizations", warn=True)
            locations[location_id] = location_id
    at_location: dict[str, str | None] = {}
    for row in tables["service_at_location"]:
        service = reading.reference(row, "service_id", services, "services", warn=True)
        reading.reference(row, "location_id", locations, "locations", warn=True)
        at_location[row.text("id")] = service["id"] if service else None
    return at_location


def _areas(rows: list[Row], services: dict, at_location: dict[str, str | None], reading: Reading) -> None:
    for row in rows:
        service = reading.reference(row, "service_id", services, "services")
        if service is None and row.text("service_at_location_id"):
            service = services.get(at_location.get(row.text("service_at_location_id")) or "")
        if service is None:
            if not row.text("service_id"):
                reading.warning(row, "service_id", "names no service: the area is not used")
            continue
        name = row.text("name")
        if not name:
            reading.warning(row, "name", "is empty: no area the platform can match on")
        elif " " in name and len(name) > SENTENCE:
            reading.warning(row, "name", "reads as a description, not an area name: people's areas will not match "
                                         "it; name the areas or postcode districts in the extension")
            service["eligibility"]["areas"].append(name)
        else:
            service["eligibility"]["areas"].append(name)


def _languages(rows: list[Row], services: dict, reading: Reading) -> None:
    for row in rows:
        if not row.text("service_id"):
            continue  # a location's or a phone's language: not the service's offer
        service = reading.reference(row, "service_id", services, "services")
        code = row.text("code")
        if service is None:
            continue
        if not code:
            reading.warning(row, "code", "is empty: the language is not used")
            continue
        service["eligibility"]["languages"].append(code)


def _contacts(rows: list[Row], agencies: dict, services: dict, extension: Extension,
              reading: Reading) -> dict[str, dict[str, Any]]:
    """The contacts the extension names as leads, each of the agency it belongs to (its
    organization, or its service's); other contacts are HSDS's, not escalation targets."""
    contacts: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    for row in rows:
        contact_id = reading.first(row, "id", seen)
        agency = reading.reference(row, "organization_id", agencies, "organizations", warn=True)
        service = services.get(row.text("service_id"))
        if agency is None and service is not None:
            agency = next((a for a in agencies.values() if service in a["services"]), None)
        roles = extension.roles(contact_id) if contact_id else []
        if not roles:
            continue
        if agency is None:
            reading.error(row, "organization_id", "a lead must belong to an agency: neither its organization nor "
                                                  "its service is in the directory")
            continue
        contacts[contact_id] = {"name": row.text("name") or row.text("title") or contact_id,
                                "email": row.text("email") or None, "roles": roles, "agency": agency}
    return contacts


def _phones(rows: list[Row], contacts: dict, reading: Reading) -> None:
    for row in rows:
        contact = contacts.get(row.text("contact_id"))
        if contact is None:
            continue
        number = row.text("number")
        cleaned = number.strip("\"' ")
        if cleaned != number:
            reading.warning(row, "number", f"{number!r} read as {cleaned!r}")
        if "phone" in contact:
            reading.warning(row, "contact_id", "a second phone for this lead: the first is the one texted")
            continue
        contact["phone"] = cleaned or None


def _apply_extension(extension: Extension, services: dict, contacts: dict, problems: Problems,
                     refused_services: set[str]) -> None:
    for service_id, extra in extension.services.items():
        service = services.get(service_id)
        if service is None and service_id in refused_services:
            continue  # refused for a problem of its own, reported where it is
        if service is None:
            problems.error("referral-extension.yaml", None, f"services.{service_id}", "is not a service of the directory")
            continue
        service["capacity"] = extra.capacity
        service["eligibility"]["areas"].extend(extra.areas)
        if extra.service_type:
            service["service_type"] = extra.service_type
    for contact_id in extension.leads:
        if contact_id not in contacts:
            problems.warning("referral-extension.yaml", None, f"leads.{contact_id}",
                             "names no contact the directory holds as a lead (unknown, or of no agency)")
    for contact in contacts.values():
        lead = {k: contact.get(k) for k in ("name", "email", "phone")}
        contact["agency"]["leads"].extend({**lead, "role": role} for role in contact["roles"])
