"""Measures what decision 0011 rests on, against a running MongoDB-compatible server: whether it
has multi-document transactions (a commit, an abort that leaves nothing, a write conflict labelled
for retry), and the rate of oversight's writer (the projection and its read models in one
transaction a batch) over three passes of consumer-sized batches: new referrals, a newer state of
each, the same states again.

    .venv/bin/python docs/decisions/probes/read_models_probe.py mongodb://127.0.0.1:PORT/ [--referrals 20000]

(`make infra` or `devstack infra` prints a local SecantusDB's URL.) Writes into a fresh database
and drops it."""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from pymongo import MongoClient
from pymongo.errors import OperationFailure

from oversight.bootstrap import bootstrap, connect
from oversight.referrals.service import project
from referral_contracts import Actor, utc_now
from referral_contracts.changes import ReferralChanged, ReferralState
from referral_contracts.policy import load_policy

POLICY = load_policy(Path(__file__).resolve().parents[3] / "deploy" / "demo" / "policy.yaml")
AGENCIES = ("gp-north", "ed-central", "cmh-east", "talking-therapies", "crisis-team", "housing-support")
STATES = ("assigned", "acknowledged", "accepted", "contact_attempted", "appointment_scheduled")
BATCH = 500  # a consumer batch


def transactions(url: str) -> dict[str, bool]:
    client = MongoClient(url)
    things = client[f"probe_{uuid4().hex[:8]}"]["things"]
    things.insert_one({"_id": 1, "n": 0})
    with client.start_session() as first, client.start_session() as second:
        first.start_transaction()
        things.replace_one({"_id": 1}, {"n": 1}, session=first)
        first.abort_transaction()
        aborted = things.find_one({"_id": 1})["n"] == 0
        first.start_transaction(), second.start_transaction()
        things.find_one({"_id": 1}, session=second)
        things.replace_one({"_id": 1}, {"n": 2}, session=first)
        try:
            things.replace_one({"_id": 1}, {"n": 3}, session=second)
            conflict = False
        except OperationFailure as error:
            conflict = error.has_error_label("TransientTransactionError")
        first.commit_transaction()
    committed = things.find_one({"_id": 1})["n"] == 2
    client.drop_database(things.database.name)
    return {"abort leaves nothing": aborted, "write conflict labelled for retry": conflict, "commit": committed}


def states(count: int, version: int, seed: int) -> list[tuple]:
    rng, now = random.Random(seed), utc_now()
    made = []
    for n in range(count):
        submitted = now - timedelta(days=rng.uniform(0, 60))
        made.append(ReferralState(
            version=version, state=rng.choice(STATES), source_agency_id=rng.choice(AGENCIES), client_reference=f"P-{n}",
            service_type="community_mental_health", tier=rng.choice(("routine", "priority", "urgent")),
            lead_agency_id=rng.choice(AGENCIES), accountable=[], submitted_at=submitted, clock_started_at=submitted,
            contact_deadline=submitted + timedelta(days=14), last_activity_at=now))
    return made


async def passes(url: str, count: int) -> dict[str, float]:
    client = connect(url)
    database = client[f"probe_{uuid4().hex[:8]}"]
    oversight = bootstrap(database, POLICY)
    await oversight.ensure_indexes()
    ids = [uuid4() for _ in range(count)]
    rates = {}
    try:
        for name, version in (("new", 1), ("newer", 2), ("repeated", 2)):
            changes = [ReferralChanged.create(referral_id=i, correlation_id=uuid4(), actor=Actor(agency_id="probe"),
                                              occurred_at=s.last_activity_at, data=s)
                       for i, s in zip(ids, states(count, version, seed=version))]
            started = time.perf_counter()
            for first in range(0, count, BATCH):
                await project(changes[first:first + BATCH], projection=oversight.projection)
            rates[f"{name} states/s"] = round(count / (time.perf_counter() - started))
    finally:
        await client.drop_database(database.name)
        await client.close()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--referrals", type=int, default=20_000)
    args = parser.parse_args()
    print(transactions(args.url))
    print(asyncio.run(passes(args.url, args.referrals)))


if __name__ == "__main__":
    main()
