"""`referral-tracking-retime` as an operator runs it after an upgrade: its own process against the
real store, on views stored as the previous version of tracking stored them (an unassigned referral
with no next escalation time: the first-contact clock did not run for the triage desk then)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from referral_contracts import AcuityTier
from tracking.deadlines.ladders import next_escalation_at
from tracking.lifecycle.fold import fold

from event_factories import submitted, triaged
from tracking_world import POLICY, fresh_database, tracking_in

pytestmark = pytest.mark.integration
POLICY_PATH = Path(__file__).resolve().parents[2] / "deploy" / "demo" / "policy.yaml"


def retime_command(mongodb_url: str, database: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database,
                   "POLICY_PATH": str(POLICY_PATH)}
    return subprocess.run([sys.executable, "-m", "tracking.deadlines.retime_main"], env=environment,
                          capture_output=True, text=True, timeout=120)


async def test_an_upgrade_retimes_the_referrals_the_desk_holds_once(mongodb_url: str) -> None:
    async with fresh_database(mongodb_url) as database:
        tracking = await tracking_in(database)
        held, led = submitted(), submitted()
        unassigned = fold([held, triaged(held, tier=AcuityTier.URGENT, lead=None)])
        assigned = fold([led, triaged(led, tier=AcuityTier.URGENT)])
        await tracking.stores.views.save([(unassigned, None), (assigned, next_escalation_at(assigned, POLICY))])
        first = await asyncio.to_thread(retime_command, mongodb_url, database.name)
        assert first.returncode == 0, first.stderr
        assert first.stdout.startswith(f"2 referrals looked at in {database.name}; 1 next escalation times changed")
        due = await tracking.stores.views.escalations_due(next_escalation_at(unassigned, POLICY), 10)
        assert unassigned.referral_id in due
        again = await asyncio.to_thread(retime_command, mongodb_url, database.name)
        assert "; 0 next escalation times changed" in again.stdout


def test_it_takes_no_arguments() -> None:
    refused = subprocess.run([sys.executable, "-m", "tracking.deadlines.retime_main", "--all"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "takes no arguments" in refused.stderr and "Traceback" not in refused.stderr


def test_a_policy_it_cannot_use_is_named_whole_with_no_traceback(tmp_path: Path, mongodb_url: str) -> None:
    broken = tmp_path / "policy.yaml"
    broken.write_text("escalation:\n  reminder_at_fraction: 3\n")
    environment = {**os.environ, "MONGODB_URL": mongodb_url, "POLICY_PATH": str(broken)}
    refused = subprocess.run([sys.executable, "-m", "tracking.deadlines.retime_main"], env=environment,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith(f"cannot retime: policy file {broken}") and "reminder_at_fraction" in refused.stderr
