"""The directory as it changes while the platform runs, v1: `directory.agencies.v1`, keyed by agency
id and compacted, so the latest listing of every agency stays on the topic for good.

`referral-ops import-directory` publishes what a re-imported directory changed (never a restart):
- `directory.agency_listed`: an agency's whole record (its services with eligibility, its leads),
  new or changed. Capacity belongs to `directory.capacity.v1`: a listing sets the capacity of a
  service new to the platform only, and the import publishes a capacity change for the others;
- `directory.agency_delisted`: the agency left the directory.
Triage and the notifier read the topic from its start on every start, over the directory file they
were given, so every instance holds the same directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import Field, RootModel

from .directory import Agency, Capacity, Directory
from .envelope import Contract, EventBase


class AgencyEvent(EventBase):
    """An event about one agency of the directory, keyed by its id."""

    agency_id: str = Field(min_length=1, max_length=64)

    def partition_key(self) -> str:
        return self.agency_id


class Delisting(Contract):
    reason: str = Field(min_length=1, max_length=500)


class AgencyListed(AgencyEvent):
    event_type: Literal["directory.agency_listed"] = "directory.agency_listed"
    schema_version: Literal[1] = 1
    data: Agency


class AgencyDelisted(AgencyEvent):
    event_type: Literal["directory.agency_delisted"] = "directory.agency_delisted"
    schema_version: Literal[1] = 1
    data: Delisting


class Listing(RootModel[Annotated[AgencyListed | AgencyDelisted, Field(discriminator="event_type")]]):
    """What `directory.agencies.v1` carries: either event, told apart by event_type."""


def apply_listing(directory: Directory, listing: AgencyListed | AgencyDelisted) -> Directory:
    """The directory after a listing: the agency replaced, added or removed. A service the directory
    already has keeps its capacity (the capacity topic owns it; the two topics are read side by
    side, in no order between them)."""
    if isinstance(listing, AgencyDelisted):
        return directory.model_copy(update={"agencies": [a for a in directory.agencies if a.id != listing.agency_id]})
    agency = listing.data
    known = {s.id: s.capacity for a in directory.agencies for s in a.services}
    agency = agency.model_copy(update={"services": [
        s.model_copy(update={"capacity": known[s.id]}) if s.id in known else s for s in agency.services]})
    agencies = [agency if a.id == agency.id else a for a in directory.agencies]
    if all(a.id != agency.id for a in directory.agencies):
        agencies.append(agency)
    return directory.model_copy(update={"agencies": agencies})


@dataclass
class DirectoryDiff:
    """What a new directory changes in the current one: the agencies to list again (new or changed,
    their new record), those to delist, the capacity changes of services the platform has, and a
    line for people per change."""

    listed: list[Agency] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # of the listed, those new to the platform
    delisted: list[str] = field(default_factory=list)
    capacity: list[tuple[str, str, Capacity]] = field(default_factory=list)  # (agency, service, capacity)
    lines: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.listed or self.delisted or self.capacity)


def directory_diff(current: Directory, new: Directory) -> DirectoryDiff:
    diff = DirectoryDiff()
    for agency in new.agencies:
        before = current.agency(agency.id)
        if before is None:
            diff.listed.append(agency)
            diff.added.append(agency.id)
            diff.lines.append(f"+ agency {agency.id} ({agency.name}): {len(agency.services)} services, "
                              f"{len(agency.leads)} leads")
            continue
        changes = _agency_changes(before, agency, diff)
        if changes:
            diff.listed.append(agency)
            diff.lines += [f"~ agency {agency.id}: {change}" for change in changes]
    for agency in current.agencies:
        if new.agency(agency.id) is None:
            diff.delisted.append(agency.id)
            diff.lines.append(f"- agency {agency.id} ({agency.name})")
    return diff


def _agency_changes(before: Agency, after: Agency, diff: DirectoryDiff) -> list[str]:
    changes = [f"name {before.name!r} -> {after.name!r}"] if before.name != after.name else []
    old = {s.id: s for s in before.services}
    for service in after.services:
        was = old.pop(service.id, None)
        if was is None:
            changes.append(f"+ service {service.id} ({service.name})")
            continue
        if service.capacity != was.capacity:
            diff.capacity.append((after.id, service.id, service.capacity))
            diff.lines.append(f"~ service {service.id}: capacity {was.capacity.value} -> {service.capacity.value}")
        for name in ("name", "service_type", "status", "eligibility"):
            if getattr(service, name) != getattr(was, name):
                changes.append(f"~ service {service.id}: {name} {_shown(getattr(was, name))} -> "
                               f"{_shown(getattr(service, name))}")
    changes += [f"- service {service_id}" for service_id in old]
    added = [lead for lead in after.leads if lead not in before.leads]
    gone = [lead for lead in before.leads if lead not in after.leads]
    changes += [f"+ lead {lead.role.value} {lead.name}" for lead in added]
    changes += [f"- lead {lead.role.value} {lead.name}" for lead in gone]
    return changes


def _shown(value: object) -> str:
    dump = getattr(value, "model_dump", None)
    return repr(dump(mode="json") if dump else getattr(value, "value", value))
