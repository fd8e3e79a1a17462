"""Where the local stack keeps things: jars in <repo>/.cache, per-run state in <repo>/.run."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

# The pom is the one file that marks the repository root from the devstack's point of view.
_MARKER = Path("deploy/local/kafka/pom.xml")


def repo_root() -> Path:
    """The repository this devstack belongs to (it is installed editable, so its source is here)."""
    for candidate in Path(__file__).resolve().parents:
        if (candidate / _MARKER).is_file():
            return candidate
    raise RuntimeError(f"cannot find the repository root (no {_MARKER} above {__file__})")


def kafka_pom() -> Path:
    return repo_root() / _MARKER


def default_cache_root() -> Path:
    return repo_root() / ".cache"


def demo_file(name: str) -> Path:
    return repo_root() / "deploy" / "demo" / name


def new_run_dir(parent: Path | None = None) -> Path:
    """A fresh directory for one run's logs and data: <repo>/.run/<timestamp>-<pid>/."""
    base = parent if parent is not None else repo_root() / ".run"
    run_dir = base / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    run_dir.mkdir(parents=True, exist_ok=False)
    return run_dir


def venv_script(name: str) -> Path:
    """A console script installed next to the running interpreter (the workspace venv's bin/).

    Not `sys.executable`'s resolved path: the venv's python is a symlink to the base interpreter.
    Falls back to PATH so an installed-elsewhere devstack still works.
    """
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return candidate
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed next to {sys.executable} nor on PATH")
    return Path(found)
