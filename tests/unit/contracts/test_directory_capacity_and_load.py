"""Directory lookups, capacity updates and loading from either form (JSON file or HSDS folder)."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from referral_contracts.directory import Capacity, Directory, LeadRole
from referral_contracts.hsds import load_hsds_directory

DEMO_HSDS = Path(__file__).resolve().parents[3] / "deploy" / "demo" / "hsds"
DEMO = load_hsds_directory(DEMO_HSDS)
SERVICE_IDS = [s.id for a in DEMO.agencies for s in a.services]


def capacities(directory: Directory) -> dict[str, Capacity]:
    return {s.id: s.capacity for a in directory.agencies for s in a.services}


@given(st.sampled_from(SERVICE_IDS), st.sampled_from(Capacity))
def test_with_capacity_changes_that_one_service_and_nothing_else(service_id: str, capacity: Capacity) -> None:
    before = capacities(DEMO)
    updated = DEMO.with_capacity(service_id, capacity)
    assert capacities(updated) == {**before, service_id: capacity}
    assert capacities(DEMO) == before  # the directory it came from is left as it was
    found = updated.service(service_id)
    assert found is not None
    agency, service = found
    original_agency, original_service = DEMO.service(service_id) or (None, None)
    assert service == original_service.model_copy(update={"capacity": capacity})  # type: ignore[union-attr]
    assert agency.leads == original_agency.leads  # type: ignore[union-attr]
    assert [a.id for a in updated.agencies] == [a.id for a in DEMO.agencies]


def test_with_capacity_takes_the_status_as_text_too() -> None:
    found = DEMO.with_capacity("tt-step-up-assessment", "available").service("tt-step-up-assessment")
    assert found is not None and found[1].capacity is Capacity.AVAILABLE


def test_with_capacity_refuses_an_unknown_service_by_name() -> None:
    with pytest.raises(KeyError, match="tt-dbt"):
        DEMO.with_capacity("tt-dbt", Capacity.WAITLIST)


def test_with_capacity_refuses_an_unknown_status_naming_the_service() -> None:
    with pytest.raises(ValueError, match="'full'.*tt-cbt"):
        DEMO.with_capacity("tt-cbt", "full")


def test_service_finds_the_agency_that_provides_it_or_none() -> None:
    found = DEMO.service("cmh-east-older-adult")
    assert found is not None
    assert (found[0].id, found[1].name) == ("cmh-east", "Older adult community mental health")
    assert DEMO.service("nothing-like-it") is None


def test_clinical_is_a_lead_role() -> None:
    assert LeadRole("clinical") is LeadRole.CLINICAL


@pytest.mark.parametrize("kind", ["agency", "service"])
def test_a_directory_refuses_repeated_ids_so_lookups_find_one_thing(kind: str) -> None:
    service = {"id": "s", "name": "s", "service_type": "t"}
    if kind == "agency":
        agencies = [{"id": "a", "name": "a"}, {"id": "a", "name": "b"}]
    else:
        agencies = [{"id": "a", "name": "a", "services": [service]}, {"id": "b", "name": "b", "services": [service]}]
    with pytest.raises(ValidationError, match=f"{kind} ids must be unique; repeated: "):
        Directory.model_validate({"agencies": agencies})


def test_load_reads_a_json_file_and_an_hsds_folder_alike(tmp_path: Path) -> None:
    as_json = tmp_path / "directory.json"
    as_json.write_text(DEMO.model_dump_json())
    assert Directory.load(as_json) == DEMO
    assert Directory.load(str(as_json)) == DEMO
    assert Directory.load(DEMO_HSDS) == DEMO
    assert Directory.load(str(DEMO_HSDS)) == DEMO


def test_load_of_a_path_that_is_not_there_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Directory.load(tmp_path / "nowhere")
