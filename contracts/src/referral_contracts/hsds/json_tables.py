"""HSDS 3.0 JSON (its API's objects) as the same tables the CSV form gives: a service with its
organization, service areas, languages, contacts (with phones), attributes (with taxonomy terms)
and locations nested in it; a list of such services, bare or paginated (`contents`); or an
organization with its services. Each row remembers where it was (a path such as
`contents[0].service_areas[1]`), so a problem is named by file and path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .problems import Problems
from .tables import TABLES, Row, Tables


def read_json(path: Path, problems: Problems) -> Tables:
    file = path.name
    tables: Tables = {table: [] for table in TABLES}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as unreadable:
        problems.error(file, None, None, f"not readable JSON ({type(unreadable).__name__}: {unreadable})"[:300])
        return tables
    flattener = _Flattener(file, tables)
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        for n, service in enumerate(document["contents"]):
            flattener.service(service, f"contents[{n}]", None)
    elif isinstance(document, list):
        for n, service in enumerate(document):
            flattener.service(service, f"[{n}]", None)
    elif isinstance(document, dict) and isinstance(document.get("services"), list) and "organization" not in document:
        flattener.organization(document, "$")
    elif isinstance(document, dict):
        flattener.service(document, "$", None)
    else:
        problems.error(file, None, None, "neither an HSDS service, a list of services nor an organization")
    return tables


class _Flattener:
    def __init__(self, file: str, tables: Tables) -> None:
        self.file, self.tables = file, tables
        self._seen: set[tuple[str, Any]] = set()

    def add(self, table: str, path: str, values: dict[str, Any]) -> None:
        """Nested JSON repeats an object wherever it belongs (a contact under its organization and
        under its service): the first occurrence of an id is the record, repeats are the same one."""
        key = (table, values.get("id"))
        if values.get("id") is not None and key in self._seen:
            return
        self._seen.add(key)
        self.tables[table].append(Row(self.file, None, path, values))

    def organization(self, document: dict, path: str) -> None:
        self._organization(document, path)
        for n, service in enumerate(_objects(document.get("services"))):
            self.service(service, f"{path}.services[{n}]", document.get("id"))
        for n, contact in enumerate(_objects(document.get("contacts"))):
            self._contact(contact, f"{path}.contacts[{n}]", document.get("id"), None)

    def service(self, document: Any, path: str, organization_id: str | None) -> None:
        if not isinstance(document, dict):
            self.add("services", path, {})
            return
        organization = document.get("organization")
        if isinstance(organization, dict):
            self._organization(organization, f"{path}.organization")
            organization_id = organization.get("id")
        service_id = document.get("id")
        self.add("services", path, {**document, "organization_id": document.get("organization_id") or organization_id})
        for table, key in (("service_areas", "service_areas"), ("languages", "languages")):
            for n, item in enumerate(_objects(document.get(key))):
                self.add(table, f"{path}.{key}[{n}]", {**item, "service_id": service_id})
        for n, contact in enumerate(_objects(document.get("contacts"))):
            self._contact(contact, f"{path}.contacts[{n}]", organization_id, service_id)
        for n, attribute in enumerate(_objects(document.get("attributes"))):
            self._attribute(attribute, f"{path}.attributes[{n}]", service_id)
        for n, at_location in enumerate(_objects(document.get("service_at_locations"))):
            location = at_location.get("location")
            where = f"{path}.service_at_locations[{n}]"
            if isinstance(location, dict):
                self.add("locations", f"{where}.location", location)
            self.add("service_at_location", where, {**at_location, "service_id": service_id,
                                                    "location_id": at_location.get("location_id")
                                                    or (location or {}).get("id")})

    def _organization(self, document: dict, path: str) -> None:
        self.add("organizations", path, document)

    def _contact(self, contact: dict, path: str, organization_id: str | None, service_id: str | None) -> None:
        self.add("contacts", path, {**contact, "organization_id": contact.get("organization_id") or organization_id,
                                    "service_id": contact.get("service_id") or service_id})
        for n, phone in enumerate(_objects(contact.get("phones"))):
            self.add("phones", f"{path}.phones[{n}]", {**phone, "contact_id": contact.get("id")})

    def _attribute(self, attribute: dict, path: str, service_id: str | None) -> None:
        term = attribute.get("taxonomy_term")
        term_id = attribute.get("taxonomy_term_id") or (term or {}).get("id")
        # Nested in a service, the attribute is the service's, whatever its placeholder link says.
        self.add("attributes", path, {**attribute, "link_id": service_id, "link_entity": "service",
                                      "taxonomy_term_id": term_id})
        if isinstance(term, dict):
            self.add("taxonomy_terms", f"{path}.taxonomy_term", term)


def _objects(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
