"""`devstack run` keeps running when one of its services dies: the notifier killed with SIGKILL is
started again (logged) while the rest go on serving, and the referral sent meanwhile still closes
with its e-mail once it is back; `devstack status` and `devstack restart tracking` work against the
running stack; Ctrl-C stops it all."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from devstack.keys import env_name
from devstack.smtp_sink import read_messages

from devstack_driver import api_keys, devstack, devstack_stack, state_of
from factories import referral_payload
from polling import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def devstack_run(tmp_path: Path):
    with devstack_stack(["run", "--no-demo-activity"], tmp_path) as running:
        yield running


def test_a_killed_service_is_started_again_while_the_stack_keeps_serving(devstack_run) -> None:
    process, stdout, stderr = devstack_run
    run_dir, state = eventually(lambda: state_of(process), "devstack run to be up", timeout=240)
    parts = state["parts"]
    assert {name for name, part in parts.items() if part["state"] == "up"} >= {
        "intake", "triage", "tracking", "notifier", "oversight", "kafka", "store", "smtp-sink", "sms-sink"}
    status = devstack("status", "--run-dir", str(run_dir))
    assert status.returncode == 0 and "notifier" in status.stdout and "(/ready: 200)" in status.stdout
    keys = api_keys(run_dir)
    gp, cmh = ({"Authorization": f"Bearer {keys[env_name(a)]}"} for a in ("gp-north", "cmh-east"))
    intake, tracking = parts["intake"]["url"], parts["tracking"]["url"]

    dead = parts["notifier"]["pid"]
    os.kill(dead, signal.SIGKILL)
    reference = f"SUP-{uuid4().hex[:8]}"
    payload = referral_payload(client_reference=reference,
                               person={**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:10]}"})
    sent = httpx.post(f"{intake}/v1/referrals", json=payload, headers=gp)
    assert sent.status_code == 202, "intake serves while the notifier is down"
    referral = f"{tracking}/v1/referrals/{sent.json()['referral_id']}"
    eventually(lambda: httpx.get(referral, headers=cmh).json().get("state") == "assigned", "triage and tracking")

    def notifier_back() -> dict | None:
        held = state_of(process)[1]["parts"]["notifier"]
        return held if held["state"] == "up" and held["restarts"] == 1 else None

    back = eventually(notifier_back, "the notifier to be started again", timeout=120)
    assert back["pid"] != dead and back["last_exit_code"] == -9
    assert process.poll() is None, "the stack kept running"
    told = stderr.read_text()
    assert "notifier exited with code -9" in told and "notifier is back" in told
    assert "notifier is back" in (run_dir / "supervisor.log").read_text()

    for body in ({"kind": "accepted", "owner": "Sam Lee"},
                 {"kind": "contact_attempted", "attempt_number": 1, "outcome": "reached", "channel": "phone"},
                 {"kind": "engaged"}):
        answer = httpx.post(f"{referral}/milestones", json={**body, "actor": {"agency_id": "cmh-east",
                                                                               "person": "Sam Lee"}}, headers=cmh)
        assert answer.status_code == 201, answer.text
    eventually(lambda: [m for m in read_messages(run_dir / "smtp" / "maildir") if reference in m["Subject"]],
               "the closure e-mail from the restarted notifier", timeout=60)

    tracking_pid = state_of(process)[1]["parts"]["tracking"]["pid"]
    restarted = devstack("restart", "tracking", "--run-dir", str(run_dir))
    assert restarted.returncode == 0, restarted.stderr
    assert "tracking restarted" in restarted.stdout
    assert state_of(process)[1]["parts"]["tracking"]["pid"] != tracking_pid
    assert httpx.get(referral, headers=cmh).json()["state"] == "closed", "tracking serves again"

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    assert "no process of the stack is left running" in stdout.read_text()
    pids = [part["pid"] for part in state_of(process)[1]["parts"].values()] if state_of(process) else []
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
