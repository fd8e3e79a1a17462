"""MongoDB storage of oversight's read models, kept by the projection's writer in the same
transaction as the projection (decision 0011): the roll-up cells (`rollups`), the worklist's entries
(`worklist`) and the breach log (`breaches`). Every read is a range on an index, written so that any
MongoDB-compatible store plans it there (figures/rules.selections).

A batch costs a round trip per read model it changes, and none for one it leaves as it was: the cells
it moves in one bulk `$inc` (no read), the entries that differ from what is stored, the breaches of
the referrals whose breaches changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bson import decode, encode
from pymongo import ASCENDING, DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from referral_contracts import EscalationStep
from service_kit.lots import lots

from ..transaction import bulk, exactly
from .contribution import DAY, MONTH, PAGED, PAIR_MONTH, Cell, Counts, changes, counter_path
from .models import Filters
from .plan import Plan, Span
from .rules import NO_AGENCY, chooses, on_the_worklist, selections
from .worklist import FIELDS, entry

# A referral's stored document before (None: new; the fields `ReadModels.reads` names, and its
# `rollup`) and its new one, for each referral a batch changed.
Changed = list[tuple[Mapping[str, Any] | None, Mapping[str, Any]]]
PERIODIC = (MONTH, DAY, PAIR_MONTH, *PAGED.values())
BY_SUBMISSION = ("source_agency_id", "lead_agency_id", "tier")  # each with the submission time


class ReadModels:
    # What the worklist entry and the breach rows are made of: read with the stored document, so a
    # change that leaves them as they are writes neither.
    reads = {**dict.fromkeys(FIELDS, 1), "follow_through.next_step": 1, "escalations": 1}

    def __init__(self, database: AsyncDatabase, referrals) -> None:
        self.rollups, self.worklist, self.breaches = database["rollups"], database["worklist"], database["breaches"]
        self._referrals = referrals  # the projection: the ends of a period a cell does not cover

    async def ensure_indexes(self) -> None:
        await self.rollups.create_index([("kind", ASCENDING), ("period", ASCENDING)])
        for agency in ("source", "receiving"):
            await self.rollups.create_index([("kind", ASCENDING), (agency, ASCENDING), ("period", ASCENDING)])
        for collection in (self.worklist, self.breaches):
            await collection.create_index([("submitted_at", ASCENDING)])
            for field in BY_SUBMISSION:
                await collection.create_index([(field, ASCENDING), ("submitted_at", ASCENDING)])
        await self.worklist.create_index([("contact_deadline", ASCENDING)])
        await self.breaches.create_index([("referral_id", ASCENDING)])

    async def follow(self, changed: Changed, session: AsyncClientSession) -> None:
        """Bring the read models up to the referrals' new states, inside the projection's transaction."""
        await self._add(changes(((before or {}).get("rollup"), after["rollup"]) for before, after in changed), session)
        await self._list(changed, session)
        await self._breaches(changed, session)

    async def _add(self, deltas: dict[str, Counts], session: AsyncClientSession) -> None:
        """Move each cell by its change with `$inc`, creating it (its identity set on insert) if new:
        one command a batch and no read. Increments commute, so two writers moving one cell cannot
        overwrite each other; two creating it at once meet as a write conflict or a duplicate key,
        and one transaction starts again (transaction.bulk). A counter brought to zero stays, at 0,
        and so does a cell of zeros: every reader takes 0 for absent (`cells`)."""
        await bulk(self.rollups, [
            UpdateOne({"_id": cell_id}, {"$inc": {counter_path(key): n for key, n in delta.items()},
                                         "$setOnInsert": vars(Cell.parse(cell_id))}, upsert=True)
            for cell_id, delta in deltas.items()], session)

    async def _list(self, changed: Changed, session: AsyncClientSession) -> None:
        """An entry exists exactly while the stored roll-up counts it, and is written only when it
        would change (most states change no field a row shows)."""
        writes = []
        for before, after in changed:
            listed = bool(((before or {}).get("rollup") or {}).get("counts", {}).get("worklist"))
            if on_the_worklist(after):
                new = self._as_stored(entry(after))
                if not listed:
                    writes.append(InsertOne(new))
                elif entry(before) != new:
                    writes.append(ReplaceOne({"_id": after["_id"]}, new))
            elif listed:
                writes.append(DeleteOne({"_id": after["_id"]}))
        await exactly(self.worklist, writes, session)

    async def _breaches(self, changed: Changed, session: AsyncClientSession) -> None:
        """The breaches of each referral whose breaches changed (a new one, a reason given since, a
        field the filters choose by) replaced by its new ones."""
        redone = [(before, rows) for before, after in changed
                  if (rows := self._as_stored({"rows": _breaches(after)})["rows"]) != _breaches(before)]
        gone = [before["_id"] for before, _ in redone if _breaches(before)]
        for lot in lots(gone):
            await self.breaches.delete_many({"referral_id": {"$in": lot}}, session=session)
        rows = [row for _, rows in redone for row in rows]
        await bulk(self.breaches, [ReplaceOne({"_id": r["_id"]}, r, upsert=True) for r in rows], session)

    def _as_stored(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """`document` as the store would give it back (milliseconds, UTC, plain strings), so that it
        compares equal to what was stored from the same values."""
        options = self.worklist.codec_options
        return decode(encode(document, codec_options=options), codec_options=options)

    async def tally(self, plan: Plan, filters: Filters) -> dict[str, Counter[str]]:
        """The counters of the cells and stretches `plan` names, summed per tier (less the
        stretches it takes away from a cell)."""
        by_tier: dict[str, Counter[str]] = {}
        for span in plan.spans:
            for cell in await self.cells(span, filters):
                by_tier.setdefault(cell["tier"], Counter()).update(cell["c"])
        anywhen = filters.model_copy(update={"since": None, "until": None})  # what is taken away lies outside
        for stretches, sign in ((plan.stretches, 1), (plan.less, -1)):
            for stretch in stretches:
                for query in selections(anywhen, submitted=stretch):
                    async for referral in self._referrals.find(query, {"tier": 1, "rollup.counts": 1}):
                        tally = by_tier.setdefault(str(referral.get("tier") or NO_AGENCY), Counter())
                        tally.update({key: sign * n for key, n in referral["rollup"]["counts"].items()})
        return by_tier

    async def cells(self, span: Span, filters: Filters, fields: dict | None = None) -> list[dict[str, Any]]:
        """The cells of `span` the filters choose, by index on the kind, the agency and the period: their
        counters at 0 left out, and a cell of zeros with them (cells are moved by `$inc`, `_add`)."""
        query: dict[str, Any] = {"kind": span.kind}
        if span.kind in PERIODIC:
            query["period"] = {"$gte": span.start, "$lt": span.end}
        agencies = ([{"source": filters.source_agency_id}] if filters.source_agency_id else
                    [{"receiving": filters.receiving_agency_id}] if filters.receiving_agency_id else
                    [{"source": filters.involving}, {"receiving": filters.involving}] if filters.involving else [{}])
        found: dict[str, dict[str, Any]] = {}
        for agency in agencies:
            async for cell in self.rollups.find({**agency, **query}, fields):
                counts = {key: n for key, n in cell.get("c", {}).items() if n}  # a counter at 0 counts nothing
                if counts and chooses(filters, source=cell["source"], lead=cell["receiving"], tier=cell["tier"]):
                    found[cell["_id"]] = cell | {"c": counts}
        return list(found.values())

    async def entries(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Worklist entries, each query a range on an index."""
        return [e for query in queries async for e in self.worklist.find(query)]


def _breaches(referral: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return [_breach(referral, rung) for rung in (referral or {}).get("escalations") or []
            if rung["step"] == EscalationStep.BREACH]


def _breach(referral: Mapping[str, Any], rung: Mapping[str, Any]) -> dict[str, Any]:
    """A breach as the log lists it, with the referral's fields the filters choose by."""
    return {"_id": rung["event_id"], "referral_id": referral["referral_id"], "tier": referral.get("tier"),
            "submitted_at": referral["submitted_at"], "source_agency_id": referral["source_agency_id"],
            "lead_agency_id": referral.get("lead_agency_id"), "agency_id": rung["agency_id"],
            "deadline": rung.get("deadline"), "fired_at": rung["at"], "overdue_seconds": rung["overdue_seconds"],
            "reason": rung.get("reason_text")}


def breach_moment(row: Mapping[str, Any]) -> tuple[datetime, str]:
    return row["fired_at"], str(row["_id"])
