"""schemathesis against the OpenAPI of every HTTP service, as an agency with a valid key: whatever
it sends (valid, invalid, edge cases), no answer is a server error, and every answer is what the
schema says."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from devstack.paths import venv_script

pytestmark = pytest.mark.e2e
AGENCY_OF = {"intake": "gp-north", "triage": "cmh-east", "tracking": "cmh-east", "oversight": "cmh-east"}


@pytest.mark.parametrize("service", sorted(AGENCY_OF))
def test_no_request_makes_a_service_fail(running_services, api_keys, service: str, tmp_path: Path) -> None:
    key = api_keys.keys[AGENCY_OF[service]]
    run = subprocess.run(
        [str(venv_script("schemathesis")), "run", f"{running_services[service]}/openapi.json",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                     "response_schema_conformance",
         "--header", f"Authorization: Bearer {key}", "--max-examples", "25", "--seed", "20261124",
         "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
