"""HSDS 3.0 tables as rows, from a folder of CSV files (HSDS's tabular form). Reading never stops at
a problem: each is recorded with its file, row and column, and the row that has it is left out.

Only the columns the platform reads are looked at (others are HSDS's own business and pass
untouched); of those, a table's key columns must be in its header.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from .problems import Problems

Choice = TypeVar("Choice", bound=StrEnum)
Found = TypeVar("Found")

# table -> (its CSV file in HSDS 3.0, the columns its rows cannot do without)
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "organizations": ("organizations.csv", ("id", "name")),
    "services": ("services.csv", ("id", "organization_id", "name", "status")),
    "service_areas": ("service_areas.csv", ("id",)),
    "service_at_location": ("service_at_location.csv", ("id", "service_id", "location_id")),
    "locations": ("locations.csv", ("id",)),
    "languages": ("languages.csv", ("id",)),
    "contacts": ("contacts.csv", ("id",)),
    "phones": ("phones.csv", ("id", "number")),
    "attributes": ("attributes.csv", ("id", "link_id", "taxonomy_term_id")),
    "taxonomy_terms": ("taxonomy_terms.csv", ("id", "code")),
}
REQUIRED_TABLES = ("organizations", "services")
Tables = dict[str, list["Row"]]


@dataclass(frozen=True)
class Row:
    """One record of a table: a CSV row (numbered, the header being 1) or a JSON object (at a path)."""

    file: str
    number: int | None
    path: str
    values: Mapping[str, Any]

    def where(self, column: str) -> tuple[str, int | None, str]:
        return self.file, self.number, f"{self.path}.{column}" if self.path else column

    def text(self, column: str) -> str:
        value = self.values.get(column)
        return "" if value is None else str(value).strip()


class Reading:
    """Reads values out of rows, recording what is wrong with them in `problems`."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.refused: dict[str, set[str]] = {}  # table -> ids of its rows refused for a problem

    def error(self, row: Row, column: str, problem: str) -> None:
        self.problems.error(*row.where(column), problem)

    def warning(self, row: Row, column: str, problem: str) -> None:
        self.problems.warning(*row.where(column), problem)

    def required(self, row: Row, column: str) -> str | None:
        value = row.text(column)
        if not value:
            self.error(row, column, "is empty")
            return None
        return value

    def choice(self, row: Row, column: str, kind: type[Choice]) -> Choice | None:
        value = self.required(row, column)
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            self.error(row, column, f"{value!r} is not one of: {', '.join(kind)}")
            return None

    def age(self, row: Row, column: str) -> tuple[bool, int | None]:
        """(readable, the age in whole years or None when empty)."""
        value = row.text(column)
        if not value:
            return True, None
        if not value.isdecimal():
            self.error(row, column, f"{value!r} is not a whole number of years")
            return False, None
        return True, int(value)

    def reference(self, row: Row, column: str, known: Mapping[str, Found], table: str,
                  *, warn: bool = False) -> Found | None:
        """The row another table's id names; a dangling one is an error (or only a warning where
        the platform does not depend on it). One naming a row refused already says nothing more:
        its own problem is reported where it is."""
        key = row.text(column)
        if not key or key in self.refused.get(table, set()):
            return None
        if key not in known:
            (self.warning if warn else self.error)(row, column, f"{key!r} is not an id in {table}")
            return None
        return known[key]

    def first(self, row: Row, column: str, seen: dict[str, str]) -> str | None:
        """The value, refused if an earlier row had it (ids)."""
        key = self.required(row, column)
        if key is None:
            return None
        if key in seen:
            self.error(row, column, f"{key!r} already appears in {seen[key]}")
            return None
        seen[key] = f"row {row.number}" if row.number is not None else row.path
        return key


def read_folder(folder: Path, problems: Problems) -> Tables:
    """Every table the platform reads, from a folder of HSDS 3.0 CSV files."""
    tables: Tables = {}
    for table, (file, key_columns) in TABLES.items():
        path = folder / file
        if not path.is_file():
            if table in REQUIRED_TABLES:
                problems.error(file, None, None, f"missing from {folder}")
            tables[table] = []
            continue
        tables[table] = _read_csv(path, file, key_columns, problems)
    return tables


def _read_csv(path: Path, file: str, key_columns: tuple[str, ...], problems: Problems) -> list[Row]:
    # utf-8-sig: spreadsheets often save a byte-order mark, which would otherwise join the first name.
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            reader.fieldnames = header
            missing = [c for c in key_columns if c not in header]
            for column in missing:
                problems.error(file, 1, column, "missing from the header")
            if missing:
                return []
            rows = [Row(file, number, "", values) for number, values in enumerate(reader, start=2)]
    except (UnicodeDecodeError, csv.Error) as unreadable:
        problems.error(file, None, None, f"not a readable UTF-8 CSV file ({unreadable})")
        return []
    kept = []
    for row in rows:
        if any((value or "").strip() for value in row.values.get(None) or []):  # type: ignore[call-overload]
            problems.error(file, row.number, None, f"more values than the {len(header)} columns of the header")
        elif any(row.text(column) for column in header):  # rows of empty cells a spreadsheet saved
            kept.append(row)
    return kept
