"""`devstack run` keeps its processes running: one that dies is started again after a wait that
doubles while it keeps dying, logged, the others untouched; a restart asked for is done at once.
Real child processes, killed for real; the supervisor's clock is the test's, so nobody sleeps
through a back-off."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from devstack.processes import ManagedProcess, wait_until
from devstack.supervisor import Part, Supervisor, wait_before_restart


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sleeper(tmp_path: Path, name: str) -> ManagedProcess:
    return ManagedProcess(name, [sys.executable, "-c", "import time; time.sleep(120)"],
                          log_path=tmp_path / f"{name}.log").start()


@pytest.fixture
def stack(tmp_path: Path):
    clock, said = Clock(), []
    parts = [Part(name, sleeper(tmp_path, name), ready=lambda: True) for name in ("notifier", "tracking")]
    supervisor = Supervisor(parts, tmp_path / "supervisor.log", say=said.append, now=clock)
    yield supervisor, clock, said
    for part in parts:
        part.process.stop(timeout=2)


def killed(part: Part) -> int:
    pid = part.process.pid
    part.process.kill()
    return pid


def test_a_killed_process_is_started_again_after_a_second_and_the_others_keep_running(stack, tmp_path) -> None:
    supervisor, clock, said = stack
    notifier, tracking = supervisor.parts["notifier"], supervisor.parts["tracking"]
    tracking_pid, dead_pid = tracking.process.pid, killed(notifier)
    assert supervisor.tick() and notifier.state == "waiting"
    assert "notifier exited with code -9" in said[-1] and "restarting it in 1 s" in said[-1]
    clock.now += 0.5
    assert not supervisor.tick() and not notifier.process.is_running(), "not before its wait is over"
    clock.now += 0.5
    assert supervisor.tick() and notifier.state == "starting" and notifier.process.pid != dead_pid
    assert supervisor.tick() and notifier.state == "up" and notifier.restarts == 1
    assert "notifier is back" in said[-1]
    assert tracking.process.pid == tracking_pid and tracking.state == "up" and tracking.restarts == 0
    log = (tmp_path / "supervisor.log").read_text()
    assert "notifier exited with code -9" in log and "notifier is back" in log


def test_the_wait_doubles_while_it_keeps_dying_and_starts_over_once_it_stayed_up(stack) -> None:
    supervisor, clock, said = stack
    notifier = supervisor.parts["notifier"]
    waits = []
    for _ in range(4):
        killed(notifier)
        supervisor.tick()
        waits.append(notifier.restart_at - clock.now)
        clock.now = notifier.restart_at
        supervisor.tick()  # started again
        supervisor.tick()  # up
        clock.now += 5  # dies again soon after
    assert waits == [1.0, 2.0, 4.0, 8.0]
    clock.now += 61  # a minute up: steady again
    killed(notifier)
    supervisor.tick()
    assert notifier.restart_at - clock.now == 1.0
    assert [wait_before_restart(n) for n in (1, 2, 6, 7, 20)] == [1.0, 2.0, 30.0, 30.0, 30.0]


def test_a_restart_asked_for_stops_it_gracefully_and_starts_it_at_once(stack) -> None:
    supervisor, clock, said = stack
    tracking = supervisor.parts["tracking"]
    before = tracking.process.pid
    assert supervisor.tick(["tracking"]) and tracking.state in ("starting", "up")
    wait_until(lambda: tracking.process.is_running(), 5, "tracking started again")
    supervisor.tick()
    assert tracking.state == "up" and tracking.process.pid != before and tracking.restarts == 1
    assert any("restart asked" in line for line in said)
    assert not supervisor.tick(["nobody"]) and "no such part" in said[-1]


def test_a_process_not_ready_yet_stays_starting(tmp_path: Path) -> None:
    answers = {"ready": False}
    part = Part("oversight", sleeper(tmp_path, "oversight"), ready=lambda: answers["ready"])
    clock = Clock()
    supervisor = Supervisor([part], tmp_path / "supervisor.log", say=lambda _: None, now=clock)
    try:
        killed(part)
        supervisor.tick()
        clock.now += 1
        supervisor.tick()
        assert not supervisor.tick() and part.state == "starting"
        answers["ready"] = True
        assert supervisor.tick() and part.state == "up"
    finally:
        part.process.stop(timeout=2)
