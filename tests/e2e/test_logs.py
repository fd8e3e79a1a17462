"""The services' logs never carry personal data: after every scenario of the run (recognisable
names, birth dates, phone numbers, identifiers, staff addresses), none of it is in any log."""

from __future__ import annotations

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
    assert {log.stem for log in logs} >= {"intake", "triage", "tracking", "notifier"}
    assert sum(log.stat().st_size for log in logs) > 0, "the scenarios left no log to inspect"
    found = {(log.name, value) for log in logs for value in personal_data() if value in log.read_text(errors="replace")}
    assert found == set()
