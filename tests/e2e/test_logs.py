"""The services' logs are JSON lines with correlation ids and never carry personal data: after every
scenario of the run (recognisable names, birth dates, phone numbers, identifiers, staff addresses),
none of it is in any log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from devstack.paths import demo_file

from factories import referral_payload

pytestmark = [pytest.mark.e2e, pytest.mark.after_the_scenarios]


def personal_data() -> list[str]:
    person = referral_payload()["person"]
    referrer = referral_payload()["referrer"]
    staff = [line.split(",")[-1].strip() for line in (demo_file("hsds") / "contacts.csv").read_text().splitlines()[1:]]
    phones = [line.split(",")[-1].strip() for line in (demo_file("hsds") / "phones.csv").read_text().splitlines()[1:]]
    return [person["given_name"], person["family_name"], person["date_of_birth"], person["identifier"],
            person["contact"]["phone"], referrer["name"], referrer["phone"], "sertraline", "low mood",
            "discharged from hospital", *staff, *phones]


def test_no_service_log_holds_personal_data(running_services, infra_dir: Path) -> None:
    logs = sorted((infra_dir / "services").glob("*.log"))
    assert {log.stem for log in logs} >= {"intake", "triage", "tracking", "notifier", "oversight"}
    assert sum(log.stat().st_size for log in logs) > 0, "the scenarios left no log to inspect"
    found = {(log.name, value) for log in logs for value in personal_data() if value in log.read_text(errors="replace")}
    assert found == set()


def test_every_log_line_is_json_and_work_on_a_referral_carries_its_correlation_id(running_services, infra_dir) -> None:
    lines = [line for log in sorted((infra_dir / "services").glob("*.log"))
             for line in log.read_text(errors="replace").splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    assert all({"event", "level", "timestamp", "logger"} <= entry.keys() for entry in entries)
    from_handlers = [e for e in entries if "topic" in e]
    assert from_handlers and all(e.get("correlation_id") and e.get("key") for e in from_handlers)
