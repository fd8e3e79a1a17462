"""Oversight's read models on the real store: fed any history of states in any order, with repeats,
in batches (a redelivery, a replay), each figure from the roll-up cells, the worklist's entries and the
breach log equals the same figure counted from the referrals' final states one by one; rebuilt from
the final states alone they are the same documents; a batch that fails half-way leaves nothing, and
two writers at once count each change once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta
from uuid import uuid4

import pytest

from oversight.bootstrap import bootstrap, connect
from oversight.figures import worklist as huddle
from oversight.figures.contribution import contribution, day
from oversight.figures.models import Breach, Filters
from oversight.figures.readmodels import breach_moment
from oversight.figures.rules import OPEN, chooses, on_the_worklist, overdue
from oversight.figures.summary import Moment, cut_days, summary
from oversight.referrals.rules import latest
from oversight.referrals.service import project
from oversight.referrals.store import document
from referral_contracts import AcuityTier, Actor, EscalationStep
from referral_contracts.changes import ReferralChanged

from oversight_story import POLICY
from referral_states import AGENCIES, T0, random_history

pytestmark = pytest.mark.integration
NOW = T0 + timedelta(days=35, hours=10, minutes=17)
COLLECTIONS = ("referrals", "rollups", "worklist", "breaches")


def filter_choices() -> list[Filters]:
    """Every kind of choice the API offers: all history, periods cut anywhere, a tier, each agency
    as sender, as receiver and as itself (sent or led), and these together."""
    cut = [T0 + timedelta(days=d, hours=h) for d, h in ((3, 7.5), (12, 0), (29, 0), (31, 13), (47, 2))]
    choices = [Filters(), Filters(since=cut[0], until=cut[3]), Filters(since=cut[1], until=cut[2]),
               Filters(since=cut[3]), Filters(until=cut[4]), Filters(since=cut[3], until=cut[3] + timedelta(hours=30)),
               Filters(tier=AcuityTier.URGENT), Filters(tier=AcuityTier.ROUTINE, since=cut[0]),
               Filters(since=NOW - timedelta(days=30), until=NOW), Filters(since=NOW - timedelta(hours=20), until=NOW)]
    for agency in AGENCIES[:3]:
        choices += [Filters(source_agency_id=agency), Filters(receiving_agency_id=agency), Filters(involving=agency),
                    Filters(involving=agency, since=cut[0], until=cut[4], tier=AcuityTier.PRIORITY),
                    Filters(involving=agency, source_agency_id=AGENCIES[3], since=cut[1]),
                    Filters(involving=agency, since=NOW - timedelta(days=30), until=NOW)]
    return choices


def chosen(filters: Filters, docs: list[dict]) -> list[dict]:
    return [d for d in docs if chooses(filters, source=d["source_agency_id"], lead=d.get("lead_agency_id") or "-",
                                       tier=str(d.get("tier") or "-"))
            and (filters.since is None or d["submitted_at"] >= filters.since)
            and (filters.until is None or d["submitted_at"] < filters.until)]


def counted_one_by_one(filters: Filters, docs: list[dict]):
    """The summary from each chosen referral's own contribution and the rules, no read model."""
    mine = chosen(filters, docs)
    by_tier: dict[str, Counter] = {}
    for d in mine:
        by_tier.setdefault(str(d.get("tier") or "-"), Counter()).update(contribution(d))
    cut = {start.date() for start, _ in cut_days(NOW)}
    moment = Moment(now=NOW, due_today=[d for d in mine if d.get("contact_deadline") and day(d["contact_deadline"]) == day(NOW)],
                    cut_days=[d for d in mine if d["submitted_at"].date() in cut])
    breaches = sorted(({"_id": r["event_id"], "fired_at": r["at"], **r, "referral": d} for d in mine
                       for r in d["escalations"] if r["step"] == EscalationStep.BREACH), key=breach_moment)
    return summary(filters, by_tier, moment, [Breach(
        referral_id=str(b["referral"]["referral_id"]), agency_id=b["agency_id"], tier=b["referral"].get("tier"),
        deadline=b.get("deadline"), fired_at=b["at"], overdue_hours=round(b["overdue_seconds"] / 3600, 2),
        reason=b.get("reason_text")) for b in breaches])


def published(history) -> list[ReferralChanged]:
    return [ReferralChanged.create(referral_id=r, correlation_id=uuid4(), occurred_at=T0, data=s,
                                   actor=Actor(agency_id="platform-tracking")) for r, s in history]


async def _feed(database, changes: list[ReferralChanged], seed: int):
    oversight = bootstrap(database, POLICY)
    await oversight.ensure_indexes()
    rng = random.Random(seed)
    delivered = changes + rng.sample(changes, k=len(changes) // 3)
    rng.shuffle(delivered)
    start = 0
    while start < len(delivered):
        size = rng.randint(1, 40)
        await project(delivered[start:start + size], projection=oversight.projection)
        start += size
    return oversight


def counting(cell: dict) -> dict | None:
    """A roll-up cell as its figures read it: its counters at 0 left out, None if all are. Cells are
    moved by `$inc` and never read back, so a counter a referral has left stays at 0 and a cell every
    referral has left stays, all zeros; a rebuild from the final states never makes either. Every
    reader takes 0 for absent (ReadModels.cells), so this is the equality that matters."""
    counts = {key: n for key, n in cell["c"].items() if n}
    return {**cell, "c": counts} if counts else None


async def _documents(database) -> dict[str, dict]:
    """Every document of the projection and the read models, the cells as they count (`counting`)."""
    found = {name: {d["_id"]: d async for d in database[name].find({})} for name in COLLECTIONS}
    found["rollups"] = {i: kept for i, cell in found["rollups"].items() if (kept := counting(cell)) is not None}
    return found


async def _check(mongodb_url: str, history, seed: int) -> None:
    client = connect(mongodb_url)
    live, rebuilt = client[f"oversight_models_{uuid4().hex[:8]}"], client[f"oversight_rebuilt_{uuid4().hex[:8]}"]
    try:
        changes = published(history)
        oversight = await _feed(live, changes, seed)
        docs = [document(r, s) for r, s in latest(changes).items()]
        for filters in filter_choices():
            assert await oversight.figures.summary(filters, NOW) == counted_one_by_one(filters, docs), filters
            assert await oversight.figures.breach_log(filters) == counted_one_by_one(filters, docs).breaches
            for sort, limit in (("age", 500), ("acuity", 500), ("age", 7), ("acuity", 7)):
                rows = sorted((huddle.entry(d) for d in chosen(filters, docs) if on_the_worklist(d)),
                              key=huddle.order(sort))[:limit]
                assert await oversight.figures.worklist(filters, NOW, sort=sort, limit=limit) == [
                    huddle.row(e, NOW) for e in rows], (filters, sort, limit)
        by_state = Counter((d["state"], str(d.get("tier") or "untriaged")) for d in docs if d["state"] in OPEN)
        assert await oversight.figures.live_counts(NOW) == (dict(by_state), sum(overdue(d, NOW) for d in docs))
        final = {c.referral_id: c for c in sorted(changes, key=lambda c: c.data.version)}
        await _feed(rebuilt, list(final.values()), seed)  # the final states alone, as compaction leaves them
        assert await _documents(rebuilt) == await _documents(live)
    finally:
        for database in (live, rebuilt):
            await client.drop_database(database.name)
        await client.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_every_figure_from_the_read_models_equals_counting_each_referral(mongodb_url, seed) -> None:
    await _check(mongodb_url, random_history(random.Random(seed), referrals=150), seed)


class Crash(RuntimeError):
    """The process dying between the read models' writes."""


async def test_a_batch_that_fails_half_way_leaves_nothing_and_counts_once_when_applied_again(
        mongodb_url, monkeypatch) -> None:
    client = connect(mongodb_url)
    database = client[f"oversight_crash_{uuid4().hex[:8]}"]
    try:
        history = published(random_history(random.Random(15), referrals=60))
        first, rest = history[:len(history) // 2], history[len(history) // 2:]
        oversight = await _feed(database, first, seed=15)
        before = await _documents(database)

        async def crash(*_) -> None:  # the projection, the cells and the worklist are written by now
            raise Crash

        monkeypatch.setattr(oversight.read_models, "_breaches", crash)
        with pytest.raises(Crash):
            await project(rest, projection=oversight.projection)
        assert await _documents(database) == before  # the transaction took all of it back
        monkeypatch.undo()
        for _ in range(2):  # redelivered after the crash, then once more
            await project(rest, projection=oversight.projection)
        docs = [document(r, s) for r, s in latest(history).items()]
        assert await oversight.figures.summary(Filters(), NOW) == counted_one_by_one(Filters(), docs)
    finally:
        await client.drop_database(database.name)
        await client.close()


async def test_two_writers_at_once_count_each_change_once(mongodb_url) -> None:
    """Two replicas of oversight (partitions split between them) write the same cells at once:
    a write conflict makes one transaction start again, never a change lost or counted twice."""
    client = connect(mongodb_url)
    database = client[f"oversight_writers_{uuid4().hex[:8]}"]
    try:
        history = published(random_history(random.Random(16), referrals=120))
        by_referral = sorted({c.referral_id for c in history})
        halves = [[c for c in history if (by_referral.index(c.referral_id) % 2) == n] for n in (0, 1)]
        writers = [bootstrap(database, POLICY) for _ in halves]
        await writers[0].ensure_indexes()

        async def write(writer, changes) -> None:
            for start in range(0, len(changes), 10):
                await project(changes[start:start + 10], projection=writer.projection)

        await asyncio.gather(*(write(w, h) for w, h in zip(writers, halves)))
        docs = [document(r, s) for r, s in latest(history).items()]
        for filters in filter_choices()[:6]:
            assert await writers[0].figures.summary(filters, NOW) == counted_one_by_one(filters, docs)
    finally:
        await client.drop_database(database.name)
        await client.close()
