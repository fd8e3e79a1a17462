"""Measures a MongoDB-compatible server for ADR 0002: start-up time, a few query costs, and
whether each feature the services need works. Starts the server itself on a free port.

    .venv/bin/python docs/decisions/probes/store_probe.py secantus
    .venv/bin/python docs/decisions/probes/store_probe.py ferretdb --ferretdb-binary PATH
    .venv/bin/python docs/decisions/probes/store_probe.py url mongodb://127.0.0.1:27017/

(PATH is the binary built from ferretdb-local/ with `go build -o ferretdb-local .`.)
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pymongo import ASCENDING, AsyncMongoClient, MongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(kind: str, port: int, data: Path, ferretdb_binary: str | None) -> list[str]:
    if kind == "secantus":
        script = str(Path(sys.executable).parent / "secantusd-py")
        return [script, "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(data)]
    listen = f"127.0.0.1:{port}"
    return [ferretdb_binary or "ferretdb-local", "--listen-addr", listen, "--sqlite-dir", str(data)]


def start(
    kind: str, data: Path, ferretdb_binary: str | None
) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start a server; return it, its URL and the seconds until a driver's ping succeeded."""
    port = free_port()
    url = f"mongodb://127.0.0.1:{port}/"
    began = time.perf_counter()
    process = subprocess.Popen(
        server_command(kind, port, data, ferretdb_binary),
        cwd=data.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Poll TCP first (10 ms steps): a driver's failed server selection would add ~200 ms steps.
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            if process.poll() is not None or time.perf_counter() - began > 30:
                process.kill()
                raise RuntimeError(f"{kind} did not start") from None
            time.sleep(0.01)
    with MongoClient(url, serverSelectionTimeoutMS=10_000) as client:
        client.admin.command("ping")
    return process, url, time.perf_counter() - began


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def mean_ms(repeats: int, operation: Callable[[int], Awaitable[object]]) -> float:
    began = time.perf_counter()
    for i in range(repeats):
        await operation(i)
    return (time.perf_counter() - began) * 1000 / repeats


# Aggregations the services or their reports may use; each must run unchanged on MongoDB.
PERCENTILE = {"input": "$at", "p": [0.5, 0.9], "method": "approximate"}
LOOKUP = {"from": "views", "localField": "referral_id", "foreignField": "_id", "as": "v"}
AGGREGATIONS = {
    "$group with $avg": [{"$group": {"_id": "$tier", "a": {"$avg": "$at"}}}],
    "$percentile": [{"$group": {"_id": None, "p": {"$percentile": PERCENTILE}}}],
    "$facet": [{"$facet": {"n": [{"$count": "n"}]}}],
    "$lookup": [{"$lookup": LOOKUP}, {"$limit": 1}],
    "$subtract in $project": [{"$project": {"d": {"$subtract": ["$at", 1]}}}, {"$limit": 1}],
}
GROUP_SUM = [{"$match": {"at": {"$gte": 10}}}, {"$group": {"_id": "$tier", "n": {"$sum": 1}}}]


async def measure(url: str) -> None:
    client: AsyncMongoClient = AsyncMongoClient(url, serverSelectionTimeoutMS=5000)
    db = client["store_probe"]
    await client.drop_database("store_probe")
    events, views = db["events"], db["views"]
    await events.create_index([("event_id", ASCENDING)], unique=True)
    tiers = "ab"
    docs = [{"event_id": str(i), "referral_id": f"r{i % 10}", "at": i, "tier": tiers[i % 2]}
            for i in range(1000)]  # fmt: skip
    await events.insert_many(docs)
    upsert = {"$set": {"s": 1}, "$inc": {"n": 1}}
    timings = {
        "find_one by unique index": await mean_ms(
            500, lambda i: events.find_one({"event_id": str(i)})
        ),
        "insert_one": await mean_ms(500, lambda i: db["writes"].insert_one({"n": i})),
        "update_one $set/$inc upsert": await mean_ms(
            500, lambda i: views.update_one({"_id": f"v{i % 50}"}, upsert, upsert=True)
        ),
        "aggregate $match+$group over 1000 docs": await mean_ms(
            50, lambda i: _to_list(events.aggregate(GROUP_SUM))
        ),
    }
    for name, ms in timings.items():
        print(f"  {name:<42} {ms:6.2f} ms")

    async def unique_index() -> None:
        try:
            await events.insert_one({"event_id": "0"})
        except DuplicateKeyError:
            return
        raise AssertionError("duplicate accepted")

    async def transaction() -> None:
        async with client.start_session() as session:
            async with await session.start_transaction():
                await events.insert_one({"event_id": "tx"}, session=session)

    checks: dict[str, Callable[[], Awaitable[object]]] = {
        "unique index": unique_index,
        "find_one_and_update upsert": lambda: views.find_one_and_update(
            {"_id": "r1", "lease": {"$lt": 5}},
            {"$set": {"lease": 10}, "$push": {"tl": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        ),
        **{
            name: (lambda p=pipeline: _to_list(events.aggregate(p)))
            for name, pipeline in AGGREGATIONS.items()
        },
        "pipeline update": lambda: views.update_one(
            {"_id": "r1"}, [{"$set": {"z": {"$add": ["$lease", 1]}}}]
        ),
        "transaction": transaction,
    }
    for name, check in checks.items():
        try:
            await check()
            print(f"  {name:<42} ok")
        except Exception as error:  # noqa: BLE001 - the point is to report it
            print(f"  {name:<42} FAILS: {type(error).__name__}: {str(error)[:90]}")
    await client.drop_database("store_probe")
    await client.close()


async def _to_list(cursor: Awaitable) -> list:  # type: ignore[type-arg]
    return await (await cursor).to_list()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("server", choices=["secantus", "ferretdb", "url"])
    parser.add_argument("url", nargs="?", help="with `url`: an already running server")
    parser.add_argument("--ferretdb-binary")
    parser.add_argument(
        "--starts", type=int, default=5, help="fresh starts to time (median reported)"
    )
    args = parser.parse_args()
    if args.server == "url":
        asyncio.run(measure(args.url))
        return
    workdir = Path(tempfile.mkdtemp(prefix="store-probe-"))
    try:
        startups = []
        for attempt in range(args.starts):
            process, url, seconds = start(
                args.server, workdir / f"data{attempt}", args.ferretdb_binary
            )
            startups.append(seconds)
            if attempt < args.starts - 1:
                stop(process)
        median, low, high = statistics.median(startups), min(startups), max(startups)
        print(
            f"{args.server}: start-up to first ping, median of {args.starts}: "
            f"{median:.2f} s (min {low:.2f}, max {high:.2f})"
        )
        try:
            asyncio.run(measure(url))
        finally:
            stop(process)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
