"""The local MongoDB-compatible store: SecantusDB's `secantusd-py` on a free loopback port.

Why SecantusDB and not FerretDB: docs/decisions/0002-local-mongodb-compatible-store.md.
Anything that speaks the MongoDB wire protocol works for the services; a real mongod is used
instead by setting MONGODB_URL (see tests/infra.py and `devstack run --mongodb-url`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pymongo import MongoClient

from .paths import venv_script
from .ports import LOOPBACK, free_port
from .processes import ManagedProcess


@dataclass
class LocalStore:
    url: str
    process: ManagedProcess
    workdir: Path

    def stop(self, timeout: float = 15.0) -> None:
        self.process.stop(timeout=timeout)

    def restart(self, timeout: float = 60.0) -> None:
        """Stop the store and start it again on the same port and data, as an operator's restart
        (or a failover) does; the services' drivers reconnect by themselves."""
        self.process.stop()
        self.process.start()
        self.process.wait_until(lambda: store_answers(self.url), timeout, "the store to answer ping again")


def start_store(workdir: Path, *, timeout: float = 30.0, cache_size: str | None = None) -> LocalStore:
    """`cache_size`: WiredTiger's cache (SecantusDB's default 1G); a benchmark with a million
    referrals sizes it to the data, as one would a mongod's."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = ManagedProcess(
        "store",
        [
            venv_script("secantusd-py"),
            "--host",
            LOOPBACK,
            "--port",
            str(port),
            "--storage-path",
            workdir / "data",
            "--log-level",
            "WARNING",
            *(["--cache-size", cache_size] if cache_size else []),
        ],
        log_path=workdir / "store.log",
        # secantusd-py reads ./secantusd.toml if present: run it where none can be.
        cwd=workdir,
    ).start()
    # retryWrites=false: SecantusDB 0.7.0b3 keeps up to 10,000 retryable-write records and, past
    # that, sorts them all on every write, so a long run slows down write by write (measured:
    # BENCHMARKS.md). The services do not need driver retries for correctness (every write is
    # idempotent and a failed record is handled again); against a real mongod leave the default.
    store = LocalStore(f"mongodb://{LOOPBACK}:{port}/?retryWrites=false", process, workdir)
    try:
        process.wait_until(lambda: store_answers(store.url), timeout, "the store to answer ping")
    except BaseException:
        store.stop()
        raise
    return store


def store_answers(url: str) -> bool:
    """True when a real driver can connect and `ping` succeeds."""
    with MongoClient(url, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000) as client:
        return client.admin.command("ping").get("ok") == 1
