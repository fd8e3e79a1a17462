"""The HSDS folder loader: the demo partnership, and any directory written as HSDS tables and read back."""

import csv
from pathlib import Path

import yaml

from hypothesis import given, settings
from hypothesis import strategies as st

from referral_contracts.directory import Capacity, Directory, LeadRole, ServiceStatus
from referral_contracts.hsds import load_hsds_directory

REPO = Path(__file__).resolve().parents[3]
DEMO_HSDS = REPO / "deploy" / "demo" / "hsds"
# deploy/demo/directory.json as it was before the demo switched to HSDS tables, kept verbatim so this
# test shows the tables hold the very same partnership (the clinical leads came with the switch).
DEMO_JSON = Path(__file__).with_name("demo_directory_before_hsds.json")


def without_clinical_leads(directory: Directory) -> Directory:
    agencies = [a.model_copy(update={"leads": [lead for lead in a.leads if lead.role is not LeadRole.CLINICAL]})
                for a in directory.agencies]
    return directory.model_copy(update={"agencies": agencies})


def test_the_demo_tables_hold_the_json_partnership_plus_one_clinical_lead_per_agency() -> None:
    tables = load_hsds_directory(DEMO_HSDS)
    assert without_clinical_leads(tables) == Directory.load(DEMO_JSON)
    for agency in tables.agencies:
        assert len(agency.leads_in(LeadRole.CLINICAL)) == 1, agency.id


def test_the_demo_routes_on_what_the_tables_say() -> None:
    demo = load_hsds_directory(DEMO_HSDS)
    agency, waitlisted = demo.service("tt-step-up-assessment") or (None, None)
    assert agency is not None and agency.id == "talking-therapies"
    assert waitlisted is not None and waitlisted.capacity is Capacity.WAITLIST
    _, adult = demo.service("cmh-east-adult") or (None, None)
    assert adult is not None
    assert (adult.eligibility.min_age, adult.eligibility.max_age) == (18, 64)
    assert adult.eligibility.areas == ["north", "east", "central"]


def test_other_hsds_columns_a_byte_order_mark_and_absent_optional_tables_are_fine(tmp_path: Path) -> None:
    folder = tmp_path / "hsds"
    folder.mkdir()
    (folder / "organizations.csv").write_text(
        "\ufeffid,name,alternate_name,logo\nhousing,Housing advice,HA,\n", encoding="utf-8"
    )
    (folder / "services.csv").write_text(
        "id,organization_id,program_id,name,status,fees_description\n"
        "tenancy,housing,,Tenancy help,temporarily closed,free\n"
    )
    loaded = load_hsds_directory(folder)
    agency, service = loaded.service("tenancy") or (None, None)
    assert agency is not None and agency.name == "Housing advice" and agency.leads == []
    assert service is not None and service.status is ServiceStatus.TEMPORARILY_CLOSED
    assert service.capacity is Capacity.AVAILABLE  # no capacity.csv: as the JSON form defaults


# --- any directory survives being written as HSDS tables -----------------------------------------

def write_hsds(directory: Directory, folder: Path) -> None:
    """What a partnership would publish for this directory: HSDS 3.0 tables and the extension file
    (the loader's inverse)."""
    tables: dict[str, list[list[object]]] = {
        "organizations.csv": [["id", "name"]],
        "services.csv": [["id", "organization_id", "name", "status", "minimum_age", "maximum_age"]],
        "service_areas.csv": [["id", "service_id", "name"]],
        "languages.csv": [["id", "service_id", "code"]],
        "contacts.csv": [["id", "organization_id", "name", "title", "email"]],
        "phones.csv": [["id", "contact_id", "number"]],
    }
    extension: dict[str, dict] = {"services": {}, "leads": {}}
    for agency in directory.agencies:
        tables["organizations.csv"].append([agency.id, agency.name])
        for s in agency.services:
            tables["services.csv"].append([s.id, agency.id, s.name, s.status, s.eligibility.min_age,
                                           s.eligibility.max_age])
            tables["service_areas.csv"] += [[f"a-{n}", s.id, area] for n, area in enumerate(s.eligibility.areas)]
            tables["languages.csv"] += [[f"l-{n}", s.id, code] for n, code in enumerate(s.eligibility.languages)]
            extension["services"][s.id] = {"service_type": s.service_type, "capacity": s.capacity.value}
        for n, lead in enumerate(agency.leads):
            contact_id = f"{agency.id}/{n}"
            tables["contacts.csv"].append([contact_id, agency.id, lead.name, "Lead", lead.email or ""])
            extension["leads"][contact_id] = lead.role.value
            if lead.phone is not None:
                tables["phones.csv"].append([f"p-{contact_id}", contact_id, lead.phone])
    for file, rows in tables.items():
        with (folder / file).open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    # Double-quoted: PyYAML writes a NEL (U+0085) inside a plain or single-quoted scalar as a line
    # break, which any YAML reader then folds into a space (hypothesis found it).
    (folder / "referral-extension.yaml").write_text(yaml.safe_dump(extension, allow_unicode=True, default_style='"'), encoding="utf-8")


# Any text a spreadsheet cell can hold, commas, quotes and line breaks included, but without the
# surrounding spaces the loader trims.
cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=12)
cell = cell.filter(lambda text: text == text.strip())
ages = st.tuples(st.integers(0, 150), st.integers(0, 150)).map(sorted)


@st.composite
def directories(draw: st.DrawFn) -> Directory:
    agency_ids = draw(st.lists(cell, min_size=1, max_size=3, unique=True))
    service_ids = iter(draw(st.lists(cell, min_size=4, max_size=4, unique=True)))
    agencies = []
    for agency_id in agency_ids:
        services = []
        for _ in range(draw(st.integers(0, 4 // len(agency_ids)))):
            low, high = draw(ages)
            services.append({
                "id": next(service_ids), "name": draw(cell), "service_type": draw(cell.filter(lambda t: len(t) <= 64)),
                "status": draw(st.sampled_from(ServiceStatus)), "capacity": draw(st.sampled_from(Capacity)),
                "eligibility": {"min_age": low, "max_age": high, "areas": draw(st.lists(cell, max_size=2)),
                                "languages": draw(st.lists(cell, max_size=2))},
            })
        leads = draw(st.lists(st.builds(
            dict, role=st.sampled_from(LeadRole), name=cell, email=st.none() | cell,
            phone=st.none() | cell.filter(lambda t: t.strip("\"' ") == t),
        ), max_size=3))
        agencies.append({"id": agency_id, "name": draw(cell), "services": services, "leads": leads})
    return Directory.model_validate({"agencies": agencies})


@settings(max_examples=60, deadline=None)
@given(directories())
def test_any_directory_written_as_hsds_tables_loads_back_equal(tmp_path_factory, directory: Directory) -> None:
    folder = tmp_path_factory.mktemp("hsds")
    write_hsds(directory, folder)
    assert load_hsds_directory(folder) == directory
    assert Directory.load(folder) == directory



def test_rows_of_empty_cells_a_spreadsheet_leaves_below_the_data_are_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "hsds"
    folder.mkdir()
    (folder / "organizations.csv").write_text("id,name\nhousing,Housing advice\n,\n , ,,\n")
    (folder / "services.csv").write_text("id,organization_id,name,status\n,,,\n")
    only_housing = Directory.model_validate({"agencies": [{"id": "housing", "name": "Housing advice"}]})
    assert load_hsds_directory(folder) == only_housing
