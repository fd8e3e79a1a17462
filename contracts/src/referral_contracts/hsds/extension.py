"""What the platform needs beyond HSDS 3.0, in a small optional file of its own
(`referral-extension.yaml`), so the HSDS tables stay exactly as published:

    services:
      <HSDS service id>:
        service_type: community_mental_health  # the platform's routing type (else its taxonomy term's code)
        capacity: waitlist                     # available | waitlist | no_capacity (default: available)
        areas: [AB1, AB2, north]               # areas it serves beyond its service_areas names
    leads:
      <HSDS contact id>: operational           # the lead role(s) that contact plays for escalations
      <another contact id>: [safeguarding, clinical]

HSDS has no place for these: a contact's `title` is a job title ("Reception Manager"), not the
role escalations go to; HSDS 3.1's capacity counts units, where the partnership reports a status;
and a service's type is a taxonomy term only where the publisher links one.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..directory import Capacity, LeadRole
from ..policy import Yaml12Loader
from .problems import Problems

EXTENSION_FILE = "referral-extension.yaml"


class ServiceExtension(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service_type: str | None = Field(default=None, min_length=1, max_length=64)
    capacity: Capacity = Capacity.AVAILABLE
    areas: list[str] = Field(default_factory=list)


class Extension(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    services: dict[str, ServiceExtension] = Field(default_factory=dict)
    leads: dict[str, LeadRole | list[LeadRole]] = Field(default_factory=dict)

    def roles(self, contact_id: str) -> list[LeadRole]:
        roles = self.leads.get(contact_id, [])
        return roles if isinstance(roles, list) else [roles]


def default_extension(directory: Path) -> Path | None:
    """The extension beside a directory: in its folder, or next to its JSON file."""
    candidate = (directory if directory.is_dir() else directory.parent) / EXTENSION_FILE
    return candidate if candidate.is_file() else None


def load_extension(path: Path | None, problems: Problems) -> Extension:
    """The extension at `path` (none: an empty one); each problem in it is recorded by its path."""
    if path is None:
        return Extension()
    file = path.name
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=Yaml12Loader) or {}  # noqa: S506 - safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as unreadable:
        problems.error(file, None, None, f"not readable YAML ({type(unreadable).__name__})")
        return Extension()
    try:
        return Extension.model_validate(document)
    except ValidationError as invalid:
        for item in invalid.errors(include_url=False):
            problems.error(file, None, ".".join(str(p) for p in item["loc"]) or None, item["msg"])
        return Extension()
