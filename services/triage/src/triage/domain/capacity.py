"""Capacity changes to the directory: only the agency that runs a service says how full it is."""

from __future__ import annotations

from referral_contracts.directory import Directory


class UnknownService(LookupError):
    def __init__(self, service_id: str) -> None:
        super().__init__(f"no service {service_id!r} in the directory")


class ServiceOfAnotherAgency(ValueError):
    def __init__(self, service_id: str, owner: str, claimed: str) -> None:
        super().__init__(f"service {service_id!r} belongs to agency {owner!r}, not {claimed!r}")


def check_capacity_change(directory: Directory, service_id: str, agency_id: str) -> None:
    """Raises UnknownService or ServiceOfAnotherAgency unless `agency_id` runs `service_id`."""
    found = directory.service(service_id)
    if found is None:
        raise UnknownService(service_id)
    owner, _ = found
    if owner.id != agency_id:
        raise ServiceOfAnotherAgency(service_id, owner.id, agency_id)
