"""Driving a `devstack` stack from a test as a developer would: its own process and session, its
state read from the stack.json it keeps, `devstack status` and `restart` run beside it, Ctrl-C at
the end (tests/e2e/test_devstack_supervision.py, tests/cluster/test_devstack_cluster.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack import environment
from devstack.paths import repo_root

DEVSTACK = Path(sys.executable).parent / "devstack"


def devstack_environment() -> dict[str, str]:
    """This shell's, less what the run would honour or refuse: it starts a stack of its own."""
    drop = {*environment.OPTION_VARIABLES.values(), *environment.SET_BY_DEVSTACK}
    return {name: value for name, value in os.environ.items() if name not in drop}


@contextmanager
def devstack_stack(command: list[str], workdir: Path) -> Iterator[tuple[subprocess.Popen, Path, Path]]:
    """`devstack <command>` running, with where its stdout and stderr go; stopped (Ctrl-C, then
    SIGKILL of its whole session if it hangs) when the block ends."""
    out, err = (workdir / "stdout").open("wb"), (workdir / "stderr").open("wb")
    process = subprocess.Popen([DEVSTACK, *command], stdout=out, stderr=err, env=devstack_environment(),
                               cwd=repo_root(), start_new_session=True)
    try:
        yield process, workdir / "stdout", workdir / "stderr"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def state_of(process: subprocess.Popen) -> tuple[Path, dict] | None:
    """The run directory and the stack.json of the stack `process` runs, once it has written one."""
    for state_file in (repo_root() / ".run").glob("*/stack.json"):
        try:
            state = json.loads(state_file.read_text())
        except (json.JSONDecodeError, FileNotFoundError):
            continue
        if state["devstack_pid"] == process.pid:
            return state_file.parent, state
    return None


def devstack(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([DEVSTACK, *args], capture_output=True, text=True, env=devstack_environment(),
                          cwd=repo_root(), timeout=180)


def api_keys(run_dir: Path) -> dict[str, str]:
    """The run's API keys by variable name (api-keys.env: export NAME=key)."""
    return dict(line.removeprefix("export ").split("=", 1)
                for line in (run_dir / "keys" / "api-keys.env").read_text().splitlines())
