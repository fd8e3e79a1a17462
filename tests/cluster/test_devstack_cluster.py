"""`devstack cluster` under its supervisor, as a developer starts it: three Kafka nodes and two
replicas of every service; one node killed with SIGKILL is started again (said on the terminal and in
supervisor.log) while the referral sent meanwhile is triaged and tracked; `devstack status` shows
every part; Ctrl-C stops it all. (The cluster chaos run, beside it, starts its parts itself.)"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from devstack.keys import env_name

from devstack_driver import api_keys, devstack, devstack_stack, state_of
from factories import referral_payload
from polling import eventually

pytestmark = pytest.mark.chaos
SERVICES = ("intake", "triage", "tracking", "notifier", "oversight")


def test_a_killed_kafka_node_is_started_again_while_the_cluster_serves(tmp_path: Path) -> None:
    with devstack_stack(["cluster", "--no-demo-activity"], tmp_path) as (process, stdout, stderr):
        run_dir, state = eventually(lambda: state_of(process), "devstack cluster to be up", timeout=420)
        parts = state["parts"]
        expected = {"kafka-1", "kafka-2", "kafka-3", *SERVICES, *(f"{s}-2" for s in SERVICES)}
        assert expected <= {name for name, part in parts.items() if part["state"] == "up"}
        status = devstack("status", "--run-dir", str(run_dir))
        assert status.returncode == 0 and all(name in status.stdout for name in expected)

        dead = parts["kafka-2"]["pid"]
        os.kill(dead, signal.SIGKILL)
        keys = api_keys(run_dir)
        gp = {"Authorization": f"Bearer {keys[env_name('gp-north')]}"}
        payload = referral_payload(client_reference=f"CLUSTER-{uuid4().hex[:8]}",
                                   person={**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:10]}"})
        sent = httpx.post(f"{parts['intake']['url']}/v1/referrals", json=payload, headers=gp, timeout=30)
        assert sent.status_code == 202, sent.text
        referral = f"{parts['tracking']['url']}/v1/referrals/{sent.json()['referral_id']}"
        eventually(lambda: httpx.get(referral, headers=gp, timeout=10).json().get("state") == "assigned",
                   "triage and tracking with a node down", timeout=120)

        def node_back() -> dict | None:
            held = state_of(process)[1]["parts"]["kafka-2"]
            return held if held["state"] == "up" and held["restarts"] == 1 else None

        back = eventually(node_back, "kafka-2 to be started again", timeout=180)
        assert back["pid"] != dead and back["last_exit_code"] == -9
        assert "kafka-2 exited with code -9" in stderr.read_text() and "kafka-2 is back" in stderr.read_text()
        assert "kafka-2 is back" in (run_dir / "supervisor.log").read_text()

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 0
        assert "no process of the stack is left running" in stdout.read_text()
        for pid in (part["pid"] for part in state_of(process)[1]["parts"].values()):
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
