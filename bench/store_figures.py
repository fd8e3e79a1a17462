"""Store commands, documents written and index entries maintained, per referral and per escalation:
the engine-independent figures (issue 16), counted by each service's driver (service_kit.store_commands,
STORE_COMMAND_COUNTS=1) and read from its /metrics before and after each walk.

- per referral: BENCH_STORE_REFERRALS referrals walked one after another along the demo's path
  (`make run`'s printed commands): sent by `POST /v1/referrals` as gp-north, triaged, then the lead's
  four milestones (deploy/demo/milestones: acknowledged, accepted, contact attempted, engaged) posted
  to tracking over HTTP; the next is sent once the last is closed. Counted until the store has been
  written nothing for QUIET_SECONDS after the last closure (the closure e-mail and its outcome
  coming back, oversight's projection).
- per escalation: BENCH_STORE_ESCALATIONS urgent referrals (real event logs, loaded straight into
  tracking's store by this process, which counts nothing) whose reminder falls due over 10 s; from
  due to told (each rung's e-mail recorded back in the referral's escalations), again until the
  store is quiet. Rungs this sparse (3 a second) are nearly each a sweep and a batch of their own:
  the worst case per rung.
- per escalation at load: BENCH_STORE_ESCALATIONS_AT_LOAD (1,000) reminders falling due over 10 s,
  the load of `make bench`'s deadline lateness, counted the same way: what a rung costs when rungs
  fall due together and their outcomes come back together.

Index entries maintained: for each document written, each index of its collection (read with
listIndexes at the end) that the write can touch: every index for a document inserted, deleted or
replaced; for an update, each index with a field the update names. mongod skips an index whose key
did not change; naming a field is what a write asks for, whatever the engine. Reads by the
harness (it watches the store directly) are not counted: only the services' own commands are.

    make bench-store        # alone, in about a minute; into bench/results-store.json and BENCHMARKS.md
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pymongo import MongoClient

REFERRALS = int(os.environ.get("BENCH_STORE_REFERRALS", "20"))
ESCALATIONS = int(os.environ.get("BENCH_STORE_ESCALATIONS", "30"))
ESCALATIONS_AT_LOAD = int(os.environ.get("BENCH_STORE_ESCALATIONS_AT_LOAD", "1000"))
QUIET_SECONDS = 3.0
SENDER, LEAD, LEAD_PERSON = "gp-north", "cmh-east", "Sam Lee"
MILESTONES = Path(__file__).parent.parent / "deploy" / "demo" / "milestones"
WRITES = ("insert", "update", "delete", "findAndModify")
ENVIRONMENT = {"STORE_COMMAND_COUNTS": "1"}  # what the services are started with for these figures


def scrape(urls: dict[str, str]) -> dict:
    """Every service's counts now: {"commands": {(service, database, collection, command): n},
    "written": {(service, database, collection, command, fields): n}}."""
    counts: dict = {"commands": {}, "written": {}}
    for service, url in urls.items():
        for family in text_string_to_metric_families(httpx.get(f"{url}/metrics", timeout=10).text):
            for sample in family.samples:
                labels = sample.labels
                if sample.name == "referral_store_commands_total":
                    counts["commands"][(service, labels["database"], labels["collection"], labels["command"])] = sample.value
                elif sample.name == "referral_store_documents_written_total":
                    counts["written"][(service, labels["database"], labels["collection"], labels["command"],
                                       labels["fields"])] = sample.value
    return counts


def _minus(after: dict, before: dict) -> dict:
    return {kind: {k: v - before[kind].get(k, 0) for k, v in after[kind].items() if v - before[kind].get(k, 0)}
            for kind in after}


def _writes(counts: dict) -> float:
    return sum(v for k, v in counts["commands"].items() if k[3] in WRITES) + sum(counts["written"].values())


async def until_quiet(urls: dict[str, str], done, limit: float = 120) -> dict:
    """Wait for `done()` (an async check) and then for the services to write nothing for
    QUIET_SECONDS; the counts as they stood when the writing stopped (later idle reads left out)."""
    give_up = time.monotonic() + limit
    while not await done():
        if time.monotonic() > give_up:
            raise TimeoutError("the walk did not finish")
        await asyncio.sleep(0.2)
    settled, since = scrape(urls), time.monotonic()
    while time.monotonic() - since < QUIET_SECONDS and time.monotonic() < give_up:
        await asyncio.sleep(0.5)
        now = scrape(urls)
        if _writes(now) != _writes(settled):
            settled, since = now, time.monotonic()
    return settled


def index_fields(store_url: str, counts: dict) -> dict[tuple[str, str], list[set[str]]]:
    """The top-level fields of each index of each collection written."""
    client = MongoClient(store_url)
    try:
        indexes = {}
        for database, collection in {(k[1], k[2]) for k in counts["written"]}:
            indexes[(database, collection)] = [{f.split(".", 1)[0] for f in spec["key"]}
                                               for spec in client[database][collection].list_indexes()]
        return indexes
    finally:
        client.close()


def figures(counts: dict, indexes: dict, per: int) -> dict:
    """Commands (by name, by service), documents written and index entries, each per `per`."""
    by_command, by_service, by_collection = defaultdict(float), defaultdict(float), defaultdict(float)
    for (service, _, collection, command), n in counts["commands"].items():
        by_command[command] += n
        by_service[service] += n
        by_collection[f"{service}: {collection or '(session)'} {command}"] += n
    written, entries, written_by, entries_by = 0.0, 0.0, defaultdict(float), defaultdict(float)
    for (service, database, collection, _, fields), n in counts["written"].items():
        named = set(fields.split(","))
        touched = [i for i in indexes.get((database, collection), []) if fields == "*" or i & named]
        written += n
        entries += n * len(touched)
        written_by[f"{service}: {collection}"] += n
        entries_by[f"{service}: {collection}"] += n * len(touched)

    def each(x: float) -> float:
        return round(x / per, 2)

    return {"commands": each(sum(by_command.values())),
            "commands_by_name": {k: each(v) for k, v in sorted(by_command.items(), key=lambda kv: -kv[1])},
            "commands_by_service": {k: each(v) for k, v in sorted(by_service.items())},
            "commands_by_collection": {k: each(v) for k, v in sorted(by_collection.items(), key=lambda kv: -kv[1])},
            "documents_written": each(written),
            "documents_written_by_collection": {k: each(v) for k, v in sorted(written_by.items(), key=lambda kv: -kv[1])},
            "index_entries": each(entries),
            "index_entries_by_collection": {k: each(v) for k, v in sorted(entries_by.items(), key=lambda kv: -kv[1])},
            "count": per}


async def per_referral(urls: dict[str, str], headers, store_url: str, run: str) -> tuple[dict, UUID]:
    """The demo's path, referral after referral; the counts and one of the referrals walked."""
    from throughput import referral

    tracked = MongoClient(store_url, uuidRepresentation="standard")["tracking"]["referrals"]
    milestones = [json.loads(p.read_text()) for p in sorted(MILESTONES.glob("*.json"))]
    walked: list[UUID] = []

    async def state_of(referral_id: UUID, wanted: set[str]) -> None:
        give_up = time.monotonic() + 60
        while (tracked.find_one({"_id": referral_id}, {"state": 1}) or {}).get("state") not in wanted:
            if time.monotonic() > give_up:
                raise TimeoutError(f"referral {referral_id} never reached {wanted}")
            await asyncio.sleep(0.05)

    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(REFERRALS):
            sent = await client.post(f"{urls['intake']}/v1/referrals", json=referral(i, run), headers=headers(SENDER))
            referral_id = UUID(sent.raise_for_status().json()["referral_id"])
            walked.append(referral_id)
            await state_of(referral_id, {"assigned"})
            for milestone in milestones:
                (await client.post(f"{urls['tracking']}/v1/referrals/{referral_id}/milestones", json=milestone,
                                   headers=headers(LEAD))).raise_for_status()
            await state_of(referral_id, {"closed"})

    async def done() -> bool:
        return True

    counts = await until_quiet(urls, done)
    tracked.database.client.close()
    return counts, walked[0]


async def per_escalation(urls: dict[str, str], store_url: str, policy, template: UUID, count: int) -> dict:
    """`count` reminders falling due over 10 s, from due to told (the first falling due once they
    are loaded: 3 s for a few, 10 s for a thousand)."""
    from scale import due_referrals
    from tracking.bootstrap import rebuilding
    from tracking.lifecycle.mongo import connect
    from tracking.lifecycle.service import save_views

    from referral_contracts import utc_now

    database = MongoClient(store_url, uuidRepresentation="standard", tz_aware=True)["tracking"]
    events = list(database["events"].find({"referral_id": template}).sort("occurred_at", 1))
    lead = timedelta(seconds=3 if count <= 100 else 10)
    logs, views, due = due_referrals(events, policy, utc_now() + lead, timedelta(seconds=10), count)
    client = connect(store_url)
    try:
        loader = rebuilding(client["tracking"], policy=policy)  # stores as tracking does, publishes nothing
        for start in range(0, len(logs), 1000):
            await loader.stores.log.append(logs[start:start + 1000])
        for start in range(0, len(views), 500):
            await save_views(views[start:start + 500], loader)
    finally:
        await client.close()

    async def told() -> bool:
        documents = database["referrals"].find({"_id": {"$in": list(due)}}, {"escalations": 1})
        return sum(1 for d in documents if d.get("escalations") and all(e.get("notified") for e in d["escalations"])) \
            == len(due)

    counts = await until_quiet(urls, told)
    database.client.close()
    return counts


def measure(urls: dict[str, str], headers, store_url: str, policy) -> dict:
    """Both walks on a running stack whose services count (ENVIRONMENT); per referral and per escalation."""
    idle_before, idle_started = scrape(urls), time.monotonic()
    time.sleep(5)
    idle = _minus(scrape(urls), idle_before)
    idle_seconds = time.monotonic() - idle_started
    before = scrape(urls)
    counts, template = asyncio.run(per_referral(urls, headers, store_url, f"store{int(time.time())}"))
    referrals = _minus(counts, before)
    before = scrape(urls)
    escalations = _minus(asyncio.run(per_escalation(urls, store_url, policy, template, ESCALATIONS)), before)
    before = scrape(urls)
    at_load = _minus(asyncio.run(per_escalation(urls, store_url, policy, template, ESCALATIONS_AT_LOAD)), before)
    indexes = index_fields(store_url, {"written": {**referrals["written"], **escalations["written"],
                                                   **at_load["written"]}})
    return {"per_referral": figures(referrals, indexes, REFERRALS),
            "per_escalation": figures(escalations, indexes, ESCALATIONS),
            "per_escalation_at_load": figures(at_load, indexes, ESCALATIONS_AT_LOAD),
            "idle_commands_per_second": round(sum(idle["commands"].values()) / idle_seconds, 2),
            "indexes": {f"{d}.{c}": len(i) for (d, c), i in sorted(indexes.items())}}


def main() -> int:
    from devstack.paths import demo_file
    from referral_contracts.policy import load_policy

    import report
    from stack import start_stack

    out = Path(os.environ.get("BENCH_OUT", Path(__file__).with_name("results-store.json")))
    stack = start_stack("bench-store-", extra_env=ENVIRONMENT)
    try:
        results = {"date": time.strftime("%Y-%m-%d"),
                   "store_figures": measure(stack.services.urls, stack.keys.headers, stack.store.url,
                                            load_policy(demo_file("policy.yaml")))}
    finally:
        stack.stop()
    out.write_text(json.dumps(results, indent=2) + "\n")
    report.write_store_figures(results, Path(__file__).parent.parent / "BENCHMARKS.md")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
