"""The operators' command line against the running platform: every command has --help; topics
apply idempotently; a directory is checked; a sample referral is submitted, seen on its topic and
shown with its timeline."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from devstack.paths import demo_file, venv_script

from polling import eventually

pytestmark = pytest.mark.e2e
COMMANDS = ("apply-topics", "apply-acls", "import-directory", "replay", "submit", "tail", "timeline")


def ops(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv_script("referral-ops")), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200", **env})


def test_every_command_explains_itself() -> None:
    for command in COMMANDS:
        shown = ops(command, "--help")
        assert shown.returncode == 0 and "Usage" in shown.stdout, command


def test_a_directory_is_checked_row_by_row(tmp_path) -> None:
    good = ops("import-directory", str(demo_file("hsds")))
    assert good.returncode == 0 and "cmh-east" in good.stdout and "agencies" in good.stdout
    broken = tmp_path / "hsds"
    shutil.copytree(demo_file("hsds"), broken)
    services = broken / "services.csv"
    lines = services.read_text().splitlines()
    fields = lines[1].split(",")
    services.write_text("\n".join([lines[0], ",".join([fields[0], "nowhere-org", *fields[2:]]), *lines[2:]]))
    bad = ops("import-directory", str(broken))
    assert bad.returncode == 2 and "services.csv row 2, column organization_id" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr


def test_topics_a_sample_referral_its_topic_and_its_timeline(running_services, api_keys, kafka) -> None:
    env = {**kafka.environment(), "INTAKE_URL": running_services["intake"],  # the operator: the admin's login
           "TRACKING_URL": running_services["tracking"]}
    applied = ops("apply-topics", "--directory", str(demo_file("hsds")), **env)
    assert applied.returncode == 0 and "0 created" in applied.stdout  # already there: nothing changes
    submitted = ops("submit", str(demo_file("referral.json")), **env, REFERRAL_API_KEY=api_keys.keys["gp-north"])
    assert submitted.returncode == 0, submitted.stdout
    referral_id = submitted.stdout.strip()
    shown = eventually(lambda: (r := ops("timeline", referral_id, **env, REFERRAL_API_KEY=api_keys.keys["gp-north"]))
                       .returncode == 0 and "triaged" in r.stdout and r, "the timeline with triage")
    assert "referral submitted" in shown.stdout
    tailed = ops("tail", "referral.submitted.v1", "--from-beginning", "--limit", "100000", "--wait", "3", **env)
    assert tailed.returncode == 0 and f"referral {referral_id}" in tailed.stdout


def test_acls_are_printed_applied_idempotently_and_only_by_the_admin(kafka) -> None:
    directory = str(demo_file("hsds"))
    planned = ops("apply-acls", "--directory", directory, "--dry-run")
    assert planned.returncode == 0, planned.stdout
    assert "User:gp-north WRITE topic referrals.inbound.v1.gp-north (literal)" in planned.stdout
    assert "User:gp-north READ group gp-north. (prefixed)" in planned.stdout
    assert "User:gp-north WRITE topic referral.submitted.v1" not in planned.stdout
    applied = ops("apply-acls", "--directory", directory, **kafka.environment())
    assert applied.returncode == 0 and "0 added" in applied.stdout, applied.stdout  # devstack applied them already
    as_an_agency = ops("apply-acls", "--directory", directory, **kafka.environment("gp-north"))
    assert as_an_agency.returncode == 1 and "CLUSTER_AUTHORIZATION_FAILED" in as_an_agency.stdout, as_an_agency.stdout
