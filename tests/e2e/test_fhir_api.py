"""FHIR R4 through the running tracking service: read-only, validated, same access rules."""

from __future__ import annotations

import httpx
import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from referral_driver import Loop

pytestmark = pytest.mark.e2e


def test_a_referral_reads_as_a_valid_service_request_and_task(running_services, api_keys) -> None:
    loop = Loop(running_services, api_keys)
    loop.wait_for("assigned")
    loop.accept()
    fhir = f"{loop.tracking}/fhir"
    answer = httpx.get(f"{fhir}/Task/{loop.id}", headers=api_keys.headers("gp-north"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/fhir+json")
    task = Task.model_validate(answer.json())
    assert (task.status, task.businessStatus.coding[0].code) == ("accepted", "3.0")
    request = ServiceRequest.model_validate(
        httpx.get(f"{fhir}/ServiceRequest/{loop.id}", headers=api_keys.headers("cmh-east")).json())
    assert request.status == "active" and request.subject.identifier.value == loop.reference
    assert httpx.get(f"{fhir}/Task/{loop.id}", headers=api_keys.headers("housing-support")).status_code == 404
