"""A directory re-imported into the running platform, as an operator does it: the demo partnership
joined by Open Referral's own example organization (its HSDS 3.0 rows as published, its extension
beside them), shown first with --dry-run (nothing changes), then published: triage routes a referral
to the new agency's service at once, no restart; importing the demo again takes it out."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from devstack.paths import demo_file
from polling import eventually
from referral_driver import Loop

pytestmark = pytest.mark.e2e
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "hsds-3.0-example"
EXAMPLE_ORG, EXAMPLE_SERVICE = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "ac148810-d857-441c-9679-408f346de14b"
TABLES = ("organizations.csv", "services.csv", "service_areas.csv", "languages.csv", "contacts.csv", "phones.csv")


def joined(folder: Path) -> Path:
    """The demo's tables with the example's rows appended (each file keeps the demo's columns: HSDS
    columns the demo does not use are left out), and both extensions in one."""
    shutil.copytree(demo_file("hsds"), folder)
    for table in TABLES:
        with (folder / table).open(newline="", encoding="utf-8") as handle:
            columns = next(csv.reader(handle))
        with (EXAMPLE / table).open(newline="", encoding="utf-8-sig") as handle:
            rows = [[row.get(c, "") for c in columns] for row in csv.DictReader(handle)]
        with (folder / table).open("a", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    extension = (folder / "referral-extension.yaml").read_text()
    extension = extension.replace("services:\n", f"services:\n  {EXAMPLE_SERVICE}: {{service_type: counselling, "
                                                  "areas: [AB1, AB2, AB3]}\n", 1)
    (folder / "referral-extension.yaml").write_text(extension)
    return folder


def ops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(os.sys.executable).with_name("referral-ops")), *args], capture_output=True,
                          text=True, env={**os.environ, **env, "COLUMNS": "200"}, timeout=120)


def listed(triage: str, key: str) -> set[str]:
    answer = httpx.get(f"{triage}/v1/directory", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    return {agency["id"] for agency in answer.json()["agencies"]}


def test_a_directory_reimported_while_running_routes_at_once(running_services, kafka, api_keys, tmp_path) -> None:
    triage, desk = running_services["triage"], api_keys.keys["triage-desk"]
    env = {**kafka.environment(), "TRIAGE_URL": triage, "REFERRAL_API_KEY": desk}
    folder = joined(tmp_path / "hsds")

    shown = ops("import-directory", str(folder), "--dry-run", env=env)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"+ agency {EXAMPLE_ORG} (Example Organization Inc.)" in shown.stdout and "dry run" in shown.stdout
    assert EXAMPLE_ORG not in listed(triage, desk), "a dry run changes nothing"

    applied = ops("import-directory", str(folder), env=env)
    assert applied.returncode == 0 and "events published" in applied.stdout, applied.stdout + applied.stderr
    eventually(lambda: EXAMPLE_ORG in listed(triage, desk), "triage to hold the new agency, no restart")
    person = {"identifier": f"P-{uuid4().hex[:10]}", "given_name": "Sam", "family_name": "Example",
              "date_of_birth": "1990-04-12", "language": "ur", "area": "AB1 2CD",
              "contact": {"preferred_method": "phone", "phone": "+44 7700 900123"}}
    loop = Loop(running_services, api_keys, service_type="counselling", person=person)
    assigned = loop.wait_for("assigned")
    assert assigned["lead_agency_id"] == EXAMPLE_ORG

    reverted = ops("import-directory", str(demo_file("hsds")), env=env)
    assert reverted.returncode == 0 and f"- agency {EXAMPLE_ORG}" in reverted.stdout, reverted.stdout
    eventually(lambda: EXAMPLE_ORG not in listed(triage, desk), "the new agency to be taken out again")


def test_a_bad_directory_is_refused_with_every_problem_and_no_traceback(running_services, kafka, api_keys,
                                                                         tmp_path) -> None:
    folder = Path(shutil.copytree(demo_file("hsds"), tmp_path / "hsds"))
    with (folder / "services.csv").open("a") as handle:
        handle.write("broken,nobody,Broken,,open,,\n")
    refused = ops("import-directory", str(folder), "--dry-run", env={**kafka.environment(),
                                                                     "TRIAGE_URL": running_services["triage"]})
    assert refused.returncode == 2 and "Traceback" not in refused.stdout + refused.stderr
    assert "services.csv row 10, column organization_id" in refused.stdout
    assert "services.csv row 10, column status" in refused.stdout
