"""Intake's composition root: what its entrypoints (the HTTP API, FHIR in, the inbound topics)
share: the bus every submission is published on and the agencies' keys. Intake keeps no state of
its own (a referral's id derives from its sender and the sender's reference), so that is all."""

from __future__ import annotations

from dataclasses import dataclass

from service_kit.auth import KeyRegistry
from service_kit.messaging import EventPublisher

from .config import Settings


@dataclass(frozen=True)
class Intake:
    bus: EventPublisher
    keys: KeyRegistry


def bootstrap(settings: Settings, *, bus: EventPublisher) -> Intake:
    return Intake(bus=bus, keys=KeyRegistry.load(settings.api_keys_path))
