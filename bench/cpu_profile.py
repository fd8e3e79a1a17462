"""Where the time goes: CPU seconds per referral in each process (Kafka, the store, each service)
while BENCH_PIPELINE_REFERRALS go through the pipeline, the store's command counts, and, with
PROFILE=store,tracking (any of the process names), a py-spy profile of each into bench/profiles/.

    .venv/bin/python bench/cpu_profile.py            # CPU per referral, store commands
    PROFILE=store .venv/bin/python bench/cpu_profile.py

What this showed, and what was changed for it, is in BENCHMARKS.md."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from devstack.paths import venv_script
from pymongo import MongoClient

import latency
import throughput
from stack import start_stack

OUT = Path(__file__).with_name("profiles")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (Linux /proc)."""
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children + [g for c in children for g in _descendants(c)]


def store_commands(url: str) -> dict[str, int]:
    return MongoClient(url).admin.command("serverStatus").get("opcounters", {})


def main() -> int:
    stack = start_stack("profile-")
    kafka, store, services = stack.kafka, stack.store, stack.services
    pids = {"kafka": kafka.process.pid, "store": store.process.pid,
            **{name: s.process.pid for name, s in services.services.items()}}
    spies = []
    try:
        OUT.mkdir(exist_ok=True)
        for name in filter(None, os.environ.get("PROFILE", "").split(",")):
            spies.append(subprocess.Popen([venv_script("py-spy"), "record", "-p", str(pids[name]), "-r", "100",
                                           "-o", OUT / f"{name}.txt", "--format", "raw"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        watcher = latency.TrackedDecisions(store.url)
        commands_before, before = store_commands(store.url), {n: cpu_seconds(p) for n, p in pids.items()}
        rate = asyncio.run(throughput.pipeline(kafka.access, watcher))
        after, commands_after = {n: cpu_seconds(p) for n, p in pids.items()}, store_commands(store.url)
        watcher.close()
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
            spy.wait()
        stack.stop()
    n = throughput.PIPELINE_REFERRALS
    print(f"{n} referrals at {rate:.0f}/s (while measured)")
    for name in pids:
        print(f"  {name:9s} {1000 * (after[name] - before[name]) / n:6.2f} ms CPU per referral")
    print("  store commands per referral: " + ", ".join(
        f"{k} {(commands_after[k] - commands_before.get(k, 0)) / n:.2f}" for k in commands_after))
    if spies:
        print(f"  py-spy profiles (raw, folded stacks): {OUT}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
