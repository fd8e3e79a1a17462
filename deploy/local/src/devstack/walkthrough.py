"""The commands `make run` prints, made for the directory the stack runs with: a referral one of its
agencies sends that another of its agencies can take, the lead's milestones, and the referral's id
(fixed by the sender and its reference), so every printed command works as pasted.

The demo directory gets the demo referral as it is (gp-north to cmh-east); another directory gets it
adapted: the first service that can take a referral (active, with a routing type and capacity), an
agency other than its own as the sender, and a person its eligibility fits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

from referral_contracts.directory import Agency, Capacity, Directory, Service, ServiceStatus
from referral_contracts.referral import referral_id_for

from .paths import demo_file


@dataclass(frozen=True)
class Walkthrough:
    sender: str
    lead: str
    referral: Path
    referral_id: UUID
    milestones: Path


def walkthrough(directory: Directory, folder: Path) -> Walkthrough | None:
    """The walkthrough for `directory`, its files written into `folder`; None if no service of the
    directory can take a referral."""
    referral = json.loads(demo_file("referral.json").read_text(encoding="utf-8"))
    choice = _routed_as_is(directory, referral) or _first_taker(directory)
    if choice is None:
        return None
    lead, service = choice
    sender = referral["source_agency_id"]
    if choice != _routed_as_is(directory, referral):  # another directory: fit the referral to it
        sender = next((a.id for a in directory.agencies if a.id != lead.id), lead.id)
        referral = _fitted(referral, sender, service)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "referral.json"
    path.write_text(json.dumps(referral, indent=2), encoding="utf-8")
    milestones = folder / "milestones"
    milestones.mkdir(exist_ok=True)
    for step in sorted(demo_file("milestones").glob("*.json")):
        body = json.loads(step.read_text(encoding="utf-8"))
        body["actor"]["agency_id"] = lead.id
        (milestones / step.name).write_text(json.dumps(body), encoding="utf-8")
    return Walkthrough(sender, lead.id, path, referral_id_for(sender, referral["client_reference"]), milestones)


def _takes_referrals(service: Service) -> bool:
    return service.status is ServiceStatus.ACTIVE and bool(service.service_type) and \
        service.capacity is Capacity.AVAILABLE


def _routed_as_is(directory: Directory, referral: dict) -> tuple[Agency, Service] | None:
    if directory.agency(referral["source_agency_id"]) is None:
        return None
    return next(((a, s) for a in directory.agencies for s in a.services if a.id != referral["source_agency_id"]
                 and s.service_type == referral["service_type"] and _takes_referrals(s)), None)


def _first_taker(directory: Directory) -> tuple[Agency, Service] | None:
    return next(((a, s) for a in directory.agencies for s in a.services if _takes_referrals(s)), None)


def _fitted(referral: dict, sender: str, service: Service) -> dict:
    """The demo referral from `sender` for `service`, its person inside the service's eligibility."""
    rules, person = service.eligibility, dict(referral["person"])
    if rules.areas and not rules.serves_area(person["area"]):  # an area name, not a description
        person["area"] = next((a for a in rules.areas if " " not in a.strip() and len(a) <= 64), rules.areas[0][:64])
    if rules.languages:
        person["language"] = rules.languages[0]
    age = min(max(35, rules.min_age), rules.max_age)
    person["date_of_birth"] = date(date.today().year - age - 1, 6, 1).isoformat()
    return {**referral, "source_agency_id": sender, "service_type": service.service_type, "person": person}
