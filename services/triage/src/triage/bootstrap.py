"""Triage's composition root: the directory it routes by (kept current by the listings and
capacity topics) and the partnership's policy, read once at start so a bad file stops the service
before it consumes."""

from __future__ import annotations

from dataclasses import dataclass

from referral_contracts.directory import Directory
from referral_contracts.policy import Policy, load_policy

from .config import Settings
from .service_layer.capacity import LiveDirectory


@dataclass(frozen=True)
class Triage:
    directory: LiveDirectory
    policy: Policy


def bootstrap(settings: Settings) -> Triage:
    return Triage(directory=LiveDirectory(Directory.load(settings.directory_path,
                                                         settings.directory_extension_path or None)),
                  policy=load_policy(settings.policy_path))
