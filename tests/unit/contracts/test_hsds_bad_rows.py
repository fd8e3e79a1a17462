"""Bad HSDS tables are refused with a message naming the file, the row and the column to fix.

Each case starts from a copy of the demo folder and breaks one thing in it.
"""

import csv
import shutil
from pathlib import Path

import pytest

from referral_contracts.directory import Directory
from referral_contracts.hsds import HsdsError, load_hsds_directory

DEMO_HSDS = Path(__file__).resolve().parents[3] / "deploy" / "demo" / "hsds"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEMO_HSDS, tmp_path / "hsds"))


def add_row(folder: Path, file: str, **values: str) -> int:
    """Appends a row (columns not given are empty) and returns its row number, the header being 1."""
    path = folder / file
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows.append([values.get(column, "") for column in rows[0]])
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return len(rows)


def refusal(folder: Path) -> HsdsError:
    with pytest.raises(HsdsError) as refused:
        load_hsds_directory(folder)
    return refused.value


def assert_names(error: HsdsError, file: str, row: int, column: str, *words: str) -> None:
    assert (error.file, error.row, error.column) == (file, row, column)
    assert str(error).startswith(f"{file} row {row}, column {column}: "), str(error)
    for word in words:
        assert word in str(error)


SERVICE = {"id": "new-service", "organization_id": "cmh-east", "name": "New", "status": "active",
           "service_type": "community_mental_health"}
CONTACT = {"id": "new-contact", "organization_id": "cmh-east", "name": "Dr New", "title": "clinical"}

BAD_ROWS = {
    "unknown organization of a service": ("services.csv", {**SERVICE, "organization_id": "cmh-west"},
                                          "organization_id", "'cmh-west'", "organizations.csv"),
    "status outside HSDS's four": ("services.csv", {**SERVICE, "status": "closed"},
                                   "status", "'closed'", "temporarily closed"),
    "service without a type": ("services.csv", {**SERVICE, "service_type": " "}, "service_type", "empty"),
    "repeated service id": ("services.csv", {**SERVICE, "id": "tt-cbt"}, "id", "'tt-cbt'", "row 7"),
    "repeated organization id": ("organizations.csv", {"id": "gp-north", "name": "Again"}, "id", "row 2"),
    "location of an unknown organization": ("locations.csv", {"id": "site", "organization_id": "nobody"},
                                            "organization_id", "'nobody'"),
    "service at an unknown location": ("service_at_locations.csv",
                                       {"id": "x", "service_id": "tt-cbt", "location_id": "nowhere"},
                                       "location_id", "'nowhere'", "locations.csv"),
    "non-numeric age": ("eligibility.csv", {"id": "e", "service_id": "ed-central-emergency", "minimum_age": "adult"},
                        "minimum_age", "'adult'", "whole number"),
    "fractional age": ("eligibility.csv", {"id": "e", "service_id": "ed-central-emergency", "maximum_age": "17.5"},
                       "maximum_age", "'17.5'"),
    "ages the wrong way round": ("eligibility.csv", {"id": "e", "service_id": "ed-central-emergency",
                                                     "minimum_age": "65", "maximum_age": "18"},
                                 "maximum_age", "18", "65"),
    "second age range for a service": ("eligibility.csv", {"id": "e", "service_id": "tt-cbt", "minimum_age": "18"},
                                       "service_id", "'tt-cbt'", "row 5"),
    "eligibility of an unknown service": ("eligibility.csv", {"id": "e", "service_id": "tt-dbt"},
                                          "service_id", "'tt-dbt'", "services.csv"),
    "area without a code": ("service_areas.csv", {"id": "a", "service_id": "tt-cbt"}, "name", "empty"),
    "language of no service": ("languages.csv", {"id": "l", "code": "pl"}, "service_id", "empty"),
    "contact of an unknown organization": ("contacts.csv", {**CONTACT, "organization_id": "gp-south"},
                                           "organization_id", "'gp-south'"),
    "title that is no lead role": ("contacts.csv", {**CONTACT, "title": "Clinical Director"},
                                   "title", "'Clinical Director'", "safeguarding"),
    "phone of an unknown contact": ("phones.csv", {"id": "p", "contact_id": "nobody", "number": "+44 7700 900999"},
                                    "contact_id", "'nobody'", "contacts.csv"),
    "second phone for a lead": ("phones.csv", {"id": "p", "contact_id": "gp-north-operational",
                                               "number": "+44 7700 900999"},
                                "contact_id", "'gp-north-operational'", "row 3"),
    "capacity outside the three": ("capacity.csv", {"service_id": "tt-cbt", "capacity": "full"},
                                   "capacity", "'full'", "no_capacity"),
    "capacity of an unknown service": ("capacity.csv", {"service_id": "tt-dbt", "capacity": "waitlist"},
                                       "service_id", "'tt-dbt'"),
    "second capacity for a service": ("capacity.csv", {"service_id": "tt-cbt", "capacity": "waitlist"},
                                      "service_id", "row 7"),
}


@pytest.mark.parametrize("file, values, column, words", [(f, v, c, w) for f, v, c, *w in BAD_ROWS.values()],
                         ids=list(BAD_ROWS))
def test_a_bad_row_is_refused_naming_file_row_and_column(
    folder: Path, file: str, values: dict[str, str], column: str, words: list[str]
) -> None:
    row = add_row(folder, file, **values)
    assert_names(refusal(folder), file, row, column, *words)


def test_refusals_are_value_errors_so_directory_load_callers_see_them_too(folder: Path) -> None:
    add_row(folder, "capacity.csv", service_id="tt-cbt", capacity="full")
    with pytest.raises(ValueError, match=r"capacity\.csv row \d+, column capacity"):
        Directory.load(folder)


def test_a_misspelt_header_column_is_refused_rather_than_read_as_empty(folder: Path) -> None:
    path = folder / "eligibility.csv"
    path.write_text(path.read_text().replace("minimum_age", "min_age", 1))
    error = refusal(folder)
    assert (error.file, error.row, error.column) == ("eligibility.csv", 1, "minimum_age")
    assert "header" in str(error)


def test_a_row_longer_than_the_header_is_refused(folder: Path) -> None:
    with (folder / "capacity.csv").open("a") as handle:
        handle.write("tt-cbt,waitlist,since Monday\n")
    error = refusal(folder)
    assert (error.file, error.row) == ("capacity.csv", 10)
    assert "more values" in str(error)


@pytest.mark.parametrize("file", ["organizations.csv", "services.csv"])
def test_the_two_tables_a_directory_needs_must_exist(folder: Path, file: str) -> None:
    (folder / file).unlink()
    error = refusal(folder)
    assert error.file == file and str(error).startswith(f"{file}: missing from ")
