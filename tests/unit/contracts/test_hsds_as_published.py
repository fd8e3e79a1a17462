"""Open Referral's own HSDS 3.0 example, as published (a copy in tests/data with its source and
licence), imports unchanged, in its CSV form and in its JSON form, and a referral is routed to its
service by triage's own rules; what the platform needs beyond HSDS comes from the extension file
kept beside it, never from reinterpreting an HSDS field."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from referral_contracts.directory import Capacity, Directory, LeadRole
from referral_contracts.tiers import AcuityTier
from referral_contracts.hsds import read_directory
from triage.domain.routing import choose_lead

from factories import person_payload, referral_request

DATA = Path(__file__).resolve().parents[2] / "data"
EXAMPLE = DATA / "hsds-3.0-example"
EXTENSION = DATA / "hsds-3.0-example.referral-extension.yaml"
SHARED = Path("/work/shared/data/hsds-3.0-example")
SERVICE = "ac148810-d857-441c-9679-408f346de14b"
EXAMPLE_ORG = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"


def test_the_copy_is_the_example_as_published() -> None:
    if not SHARED.is_dir():
        pytest.skip("the shared copy of the example is not on this machine")
    for published in SHARED.iterdir():
        kept = EXAMPLE / published.name
        assert hashlib.sha256(kept.read_bytes()).digest() == hashlib.sha256(published.read_bytes()).digest(), kept


def test_the_example_imports_as_published_and_says_what_it_cannot_use() -> None:
    directory, warnings = read_directory(EXAMPLE)  # no extension at all
    [agency] = directory.agencies
    [service] = agency.services
    assert (agency.id, agency.name, service.name) == (EXAMPLE_ORG, "Example Organization Inc.", "Community Counselling")
    assert (service.eligibility.min_age, service.eligibility.max_age) == (12, 100), "HSDS 3.0's ages on service"
    assert service.eligibility.languages == ["ur"] and service.capacity is Capacity.AVAILABLE
    assert agency.leads == [], "a contact's title is a job title, never a lead role"
    said = {(w.file, w.column) for w in warnings}
    assert ("locations.csv", "organization_id") in said and ("contacts.csv", "organization_id") in said
    assert ("service_areas.csv", "name") in said, "the area is a sentence: it says so"
    assert ("services.csv", "id") in said, "no service type: it says no referral can be routed to it"


@pytest.mark.parametrize("source", [EXAMPLE, DATA / "hsds-3.0-json" / "service_full.json",
                                    DATA / "hsds-3.0-json" / "organization_full.json"],
                         ids=["csv", "service json", "organization json"])
def test_a_referral_is_routed_to_the_examples_service(source: Path) -> None:
    directory, _ = read_directory(source, EXTENSION)
    [agency] = directory.agencies
    assert [(lead.role, lead.name, lead.phone) for lead in agency.leads] == [
        (LeadRole.REFERRAL_CONTACT, "Ann Persona", "+44 1234 234567"), (LeadRole.OPERATIONAL, "Ann Persona", "+44 1234 234567")]
    request = referral_request(service_type="talking_therapies",
                               person=person_payload(area="AB1 2CD", language="ur", date_of_birth="1990-04-12"))
    choice = choose_lead(request, directory, accepted_capacity=[Capacity.AVAILABLE], tier=AcuityTier.ROUTINE,
                         on=date(2026, 11, 25), excluded={})
    assert (choice.agency.id, choice.service.id) == (EXAMPLE_ORG, SERVICE), choice.reasons
    outside = request.model_copy(update={"person": request.person.model_copy(update={"area": "AB12 3CD"})})
    refused = choose_lead(outside, directory, accepted_capacity=[Capacity.AVAILABLE], tier=AcuityTier.ROUTINE,
                          on=date(2026, 11, 25), excluded={})
    assert refused.agency is None and "area not served" in refused.reasons[-1], "AB12 is not the district AB1"


def test_the_csv_and_the_json_forms_give_the_same_directory() -> None:
    as_csv = read_directory(EXAMPLE, EXTENSION)[0]
    assert read_directory(DATA / "hsds-3.0-json" / "service_full.json", EXTENSION)[0] == as_csv
    assert Directory.load(DATA / "hsds-3.0-json" / "organization_full.json", EXTENSION) == as_csv
