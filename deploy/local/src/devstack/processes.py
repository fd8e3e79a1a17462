"""A child process the stack owns: own process group, output in a log file, always reaped.

Each child runs in its own session (so its process group id is its pid). Stopping signals the
whole group, so helpers a child spawns go too, and Ctrl-C in the terminal reaches only the
devstack, which then stops children in a deliberate order instead of all at once.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1


class StartupError(RuntimeError):
    """A child did not become ready; the message carries the tail of its log."""


def _load_prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None  # not Linux: rely on stop() alone


# Looked up once here, not in the forked child, where loading a library could deadlock.
_PRCTL = _load_prctl()


def _die_with_parent() -> None:
    """Runs in the child before exec: ask Linux to SIGTERM it if the devstack itself is killed.

    This covers the one case our own cleanup cannot: the parent dying by SIGKILL.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


class ManagedProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str | os.PathLike[str]],
        *,
        log_path: Path,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log_path = log_path
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # PDEATHSIG fires when the *thread* that forked exits, so only use it from the main thread.
        on_main_thread = threading.current_thread() is threading.main_thread()
        with open(self.log_path, "ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if on_main_thread and _PRCTL else None,
            )
        return self

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    def is_running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen else None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log yet)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the group, wait up to `timeout`, then SIGKILL whatever of the group is left."""
        if self._popen is None:
            return
        pgid = self._popen.pid  # == the group id, because of start_new_session
        _signal_group(pgid, signal.SIGTERM)
        try:
            self._popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        # The leader may be gone while a grandchild in its group ignored SIGTERM: kill the group.
        _signal_group(pgid, signal.SIGKILL)
        self._popen.wait()

    def kill(self) -> None:
        """SIGKILL the group at once, as a crash would: no cleanup, no commit, no goodbye."""
        if self._popen is None:
            return
        _signal_group(self._popen.pid, signal.SIGKILL)
        self._popen.wait()

    def wait_until(self, check: Callable[[], bool], timeout: float, what: str) -> None:
        wait_until(check, timeout, what, process=self)

    def __repr__(self) -> str:
        return f"ManagedProcess({self.name!r}, pid={self.pid}, log={str(self.log_path)!r})"


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # group already gone (PermissionError: macOS reports a reaped group this way)


def wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    *,
    process: ManagedProcess | None = None,
    interval: float = 0.2,
) -> None:
    """Poll `check` until it returns True. An exception from `check` counts as "not yet".

    Gives up early if `process` exited, and raises StartupError naming `what`, the last error seen
    and the tail of the process's log, which is nearly always where the real reason is.
    """
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            if check():
                return
        except Exception as error:  # noqa: BLE001 - any failure means "not ready yet"
            last_error = error
        if process is not None and not process.is_running():
            problem = f"{process.name} exited with code {process.returncode} before {what}"
            break
        if time.monotonic() >= deadline:
            problem = f"timed out after {timeout:.0f}s waiting for {what}"
            break
        time.sleep(interval)
    message = problem
    if last_error is not None:
        message += f"\nlast check error: {type(last_error).__name__}: {last_error}"
    if process is not None:
        message += f"\n--- last lines of {process.log_path} ---\n{process.log_tail()}"
    raise StartupError(message)
