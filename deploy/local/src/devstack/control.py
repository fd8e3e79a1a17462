"""How `devstack status` and `devstack restart <part>` reach a running `devstack run`: through its run
directory. The run writes `stack.json` (its pid and every part's state, pid, address, restarts and
log) whenever something changes, and picks up restart requests left as files in `control/`; no
port, no socket, nothing but the files of a run the user can read anyway.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx

STATE_FILE, CONTROL = "stack.json", "control"


class NoRunningStack(RuntimeError):
    """No `devstack run` is running (or the one named is not)."""


def write_state(run_dir: Path, parts: dict[str, dict], *, started: float, ready_after: float | None) -> None:
    """Written whole and renamed into place, so a reader never sees half of it."""
    state = {"devstack_pid": os.getpid(), "started_at": started, "ready_after_seconds": ready_after,
             "parts": parts}
    temporary = run_dir / f".{STATE_FILE}.tmp"
    temporary.write_text(json.dumps(state, indent=2), encoding="utf-8")
    temporary.replace(run_dir / STATE_FILE)


def restart_requests(run_dir: Path) -> list[str]:
    """The parts asked to restart since the last look (each request is taken once)."""
    folder = run_dir / CONTROL
    asked = []
    for request in sorted(folder.glob("restart-*")) if folder.is_dir() else []:
        asked.append(request.name.removeprefix("restart-"))
        request.unlink(missing_ok=True)
    return asked


def running_stack(runs: Path, run_dir: Path | None = None) -> tuple[Path, dict]:
    """The run directory and state of the running `devstack run` (the newest, unless named)."""
    candidates = [run_dir] if run_dir else sorted(runs.glob("*/"), key=lambda p: p.name, reverse=True)
    for candidate in candidates:
        state = _state(candidate)
        if state is not None and _alive(state["devstack_pid"]):
            return candidate, state
    where = run_dir or runs
    raise NoRunningStack(f"no running `devstack run` found in {where} (start one with `make run`)")


def request_restart(run_dir: Path, state: dict, part: str, *, timeout: float = 120.0) -> dict:
    """Ask the run to restart `part` and wait until it is back; its state once it is."""
    if part not in state["parts"]:
        raise KeyError(f"{part!r} is not a part of this stack: one of {', '.join(state['parts'])}")
    before = state["parts"][part]["restarts"]
    folder = run_dir / CONTROL
    folder.mkdir(exist_ok=True)
    (folder / f"restart-{part}").touch()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = _state(run_dir) or state
        held = now["parts"][part]
        if held["restarts"] > before and held["state"] == "up":
            return held
        if not _alive(now["devstack_pid"]):
            raise NoRunningStack(f"the `devstack run` of {run_dir} stopped while {part} was restarting")
        time.sleep(0.3)
    raise TimeoutError(f"{part} was not back within {timeout:.0f} s: see {state['parts'][part]['log']}")


def status_lines(run_dir: Path, state: dict) -> list[str]:
    """One line a part: its state as the supervisor holds it, and what its address answers now."""
    ready = state.get("ready_after_seconds")
    lines = [f"devstack run (pid {state['devstack_pid']}) in {run_dir}"
             + (f", ready {ready:.1f} s after it started" if ready else ", still starting")]
    for name, part in state["parts"].items():
        answer = _answers(part["url"]) if part.get("url") else ""
        lines.append(f"  {name:<10} {part['state']:<9} pid {part['pid'] or '-':<8} restarts {part['restarts']:<3}"
                     f"{' ' + part['url'] if part.get('url') else ''}{answer}")
    return lines


def _answers(url: str) -> str:
    try:
        code = httpx.get(f"{url}/ready", timeout=2).status_code
    except httpx.HTTPError as error:
        return f"  (/ready: no answer, {type(error).__name__})"
    return "  (/ready: 200)" if code == 200 else f"  (/ready: {code})"


def _state(run_dir: Path) -> dict | None:
    try:
        return json.loads((run_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True
