"""A directory re-imported while the platform runs: what it changes (shown before anything is
published), and the directory triage and the notifier hold after the listings, capacity kept where
the capacity topic owns it."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from referral_contracts import Actor
from referral_contracts.directory import Capacity, Directory, Lead, LeadRole, ServiceStatus
from referral_contracts.listings import AgencyDelisted, AgencyListed, Delisting, apply_listing, directory_diff

DEMO = Directory.load(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "hsds")
OPS = Actor(agency_id="platform-operations")


def changed(directory: Directory, agency_id: str, **updates) -> Directory:
    return directory.model_copy(update={"agencies": [a.model_copy(update=updates) if a.id == agency_id else a
                                                     for a in directory.agencies]})


def with_service(directory: Directory, service_id: str, **updates) -> Directory:
    agencies = [a.model_copy(update={"services": [s.model_copy(update=updates) if s.id == service_id else s
                                                  for s in a.services]}) for a in directory.agencies]
    return directory.model_copy(update={"agencies": agencies})


def test_the_same_directory_changes_nothing() -> None:
    assert directory_diff(DEMO, DEMO).empty and directory_diff(DEMO, DEMO).lines == []


def test_each_kind_of_change_is_named_and_listed_once_per_agency() -> None:
    new = with_service(DEMO, "cmh-east-adult", status=ServiceStatus.TEMPORARILY_CLOSED, capacity=Capacity.WAITLIST)
    tt = new.agency("talking-therapies")
    new = changed(new, "talking-therapies", leads=[*tt.leads, Lead(role=LeadRole.CLINICAL, name="Dr New")])
    new = new.model_copy(update={"agencies": [a for a in new.agencies if a.id != "housing-support"]
                                 + [DEMO.agency("housing-support").model_copy(update={"id": "housing-west"})]})
    diff = directory_diff(DEMO, new)
    assert {a.id for a in diff.listed} == {"cmh-east", "talking-therapies", "housing-west"}
    assert diff.added == ["housing-west"] and diff.delisted == ["housing-support"]
    assert diff.capacity == [("cmh-east", "cmh-east-adult", Capacity.WAITLIST)]
    assert any("cmh-east-adult: status 'active' -> 'temporarily closed'" in line for line in diff.lines)
    assert any("+ lead clinical Dr New" in line for line in diff.lines)
    assert "- agency housing-support (Northside Housing Support)" in diff.lines


def test_a_capacity_change_alone_lists_no_agency() -> None:
    diff = directory_diff(DEMO, with_service(DEMO, "tt-cbt", capacity=Capacity.NO_CAPACITY))
    assert diff.listed == [] and diff.capacity == [("talking-therapies", "tt-cbt", Capacity.NO_CAPACITY)]


def test_listings_replace_add_and_remove_agencies_but_never_a_known_services_capacity() -> None:
    live = with_service(DEMO, "tt-cbt", capacity=Capacity.NO_CAPACITY)  # set on the capacity topic
    listed = with_service(DEMO, "tt-cbt", name="CBT groups").agency("talking-therapies")  # capacity available
    after = apply_listing(live, AgencyListed.create(agency_id="talking-therapies", correlation_id=uuid4(),
                                                    actor=OPS, data=listed))
    _, cbt = after.service("tt-cbt")
    assert cbt.name == "CBT groups" and cbt.capacity is Capacity.NO_CAPACITY
    new_agency = DEMO.agency("crisis-team").model_copy(update={"id": "crisis-west", "services": []})
    after = apply_listing(after, AgencyListed.create(agency_id="crisis-west", correlation_id=uuid4(), actor=OPS,
                                                     data=new_agency))
    assert after.agencies[-1].id == "crisis-west"
    after = apply_listing(after, AgencyDelisted.create(agency_id="crisis-west", correlation_id=uuid4(), actor=OPS,
                                                       data=Delisting(reason="left")))
    assert after.agency("crisis-west") is None and len(after.agencies) == len(DEMO.agencies)
