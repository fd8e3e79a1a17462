"""A bad directory is refused with every problem in it, each naming the file, the row and the column
to fix, in one run; what the platform does not depend on is a warning and the directory is used.

Each case starts from a copy of the demo folder (HSDS 3.0 tables and the extension file) and breaks
one thing in it; one case breaks several at once.
"""

import csv
import shutil
from pathlib import Path

import pytest

from referral_contracts.directory import Directory
from referral_contracts.hsds import DirectoryProblems, Severity, load_hsds_directory, read_directory

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


def refusal(folder: Path) -> DirectoryProblems:
    with pytest.raises(DirectoryProblems) as refused:
        load_hsds_directory(folder)
    return refused.value


def named(problems, file: str, row: int | None, column: str | None, *words: str) -> bool:
    return any((p.file, p.row, p.column) == (file, row, column) and all(w in p.problem for w in words)
               for p in problems)


SERVICE = {"id": "new-service", "organization_id": "cmh-east", "name": "New", "status": "active"}

BAD_ROWS = {
    "unknown organization of a service": ("services.csv", {**SERVICE, "organization_id": "cmh-west"},
                                          "organization_id", "'cmh-west'", "organizations"),
    "status outside HSDS's four": ("services.csv", {**SERVICE, "status": "closed"},
                                   "status", "'closed'", "temporarily closed"),
    "repeated service id": ("services.csv", {**SERVICE, "id": "tt-cbt"}, "id", "'tt-cbt'", "row 7"),
    "repeated organization id": ("organizations.csv", {"id": "gp-north", "name": "Again"}, "id", "row 2"),
    "non-numeric age": ("services.csv", {**SERVICE, "minimum_age": "adult"}, "minimum_age", "'adult'", "whole number"),
    "fractional age": ("services.csv", {**SERVICE, "maximum_age": "17.5"}, "maximum_age", "'17.5'"),
    "ages the wrong way round": ("services.csv", {**SERVICE, "minimum_age": "65", "maximum_age": "18"},
                                 "maximum_age", "18", "65"),
    "area of an unknown service": ("service_areas.csv", {"id": "a", "service_id": "tt-dbt", "name": "north"},
                                   "service_id", "'tt-dbt'", "services"),
    "language of an unknown service": ("languages.csv", {"id": "l", "service_id": "tt-dbt", "code": "pl"},
                                       "service_id", "'tt-dbt'"),
}


@pytest.mark.parametrize("file, values, column, words", [(f, v, c, w) for f, v, c, *w in BAD_ROWS.values()],
                         ids=list(BAD_ROWS))
def test_a_bad_row_is_refused_naming_file_row_and_column(
    folder: Path, file: str, values: dict[str, str], column: str, words: list[str]
) -> None:
    row = add_row(folder, file, **values)
    assert named(refusal(folder).errors, file, row, column, *words)


def test_every_problem_is_reported_in_one_run(folder: Path) -> None:
    service = add_row(folder, "services.csv", **{**SERVICE, "status": "open", "minimum_age": "old"})
    organization = add_row(folder, "organizations.csv", id="gp-north", name="")
    extension = folder / "referral-extension.yaml"
    extension.write_text(extension.read_text().replace("capacity: waitlist", "capacity: full"))
    errors = refusal(folder).errors
    assert named(errors, "services.csv", service, "status", "'open'")
    assert named(errors, "services.csv", service, "minimum_age", "'old'")
    assert named(errors, "organizations.csv", organization, "id", "'gp-north'")
    assert named(errors, "organizations.csv", organization, "name", "empty")
    assert named(errors, "referral-extension.yaml", None, "services.tt-step-up-assessment.capacity", "waitlist")
    assert len(errors) == 5, [str(e) for e in errors]


def test_what_the_platform_does_not_route_on_is_a_warning_and_the_directory_is_used(folder: Path) -> None:
    row = add_row(folder, "locations.csv", id="site", organization_id="nobody")
    directory, warnings = read_directory(folder)
    assert directory.agency("cmh-east") is not None
    assert named(warnings, "locations.csv", row, "organization_id", "'nobody'")
    assert all(w.severity is Severity.WARNING for w in warnings)


def test_the_extension_names_only_what_the_directory_holds(folder: Path) -> None:
    extension = folder / "referral-extension.yaml"
    extension.write_text(extension.read_text() + "  nobody-at-all: operational\n")
    text = extension.read_text().replace("services:\n", "services:\n  tt-dbt: {service_type: talking_therapies}\n", 1)
    extension.write_text(text)
    problems = refusal(folder).problems
    assert named(problems, "referral-extension.yaml", None, "services.tt-dbt", "not a service")
    assert named(problems, "referral-extension.yaml", None, "leads.nobody-at-all", "names no contact")


def test_refusals_are_value_errors_so_directory_load_callers_see_them_too(folder: Path) -> None:
    add_row(folder, "services.csv", **{**SERVICE, "status": "full"})
    with pytest.raises(ValueError, match=r"services\.csv row \d+, column status"):
        Directory.load(folder)


def test_a_misspelt_key_column_is_refused_rather_than_read_as_empty(folder: Path) -> None:
    path = folder / "services.csv"
    path.write_text(path.read_text().replace("organization_id", "organisation_id", 1))
    assert named(refusal(folder).errors, "services.csv", 1, "organization_id", "header")


def test_a_row_longer_than_the_header_is_refused(folder: Path) -> None:
    with (folder / "organizations.csv").open("a") as handle:
        handle.write("extra,Extra agency,,,,since Monday\n")
    assert named(refusal(folder).errors, "organizations.csv", 9, None, "more values")


@pytest.mark.parametrize("file", ["organizations.csv", "services.csv"])
def test_the_two_tables_a_directory_needs_must_exist(folder: Path, file: str) -> None:
    (folder / file).unlink()
    assert named(refusal(folder).errors, file, None, None, "missing from")
