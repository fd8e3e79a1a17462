"""MongoDB storage of oversight's read models, kept by the projection's writer in the same
transaction as the projection (decision 0011): the roll-up cells (`rollups`), the worklist's entries
(`worklist`) and the breach log (`breaches`). Every read is a range on an index, written so that any
MongoDB-compatible store plans it there (figures/rules.selections)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DeleteOne, InsertOne, ReplaceOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from referral_contracts import EscalationStep

from ..transaction import LOT, by_ids, exactly
from .contribution import DAY, MONTH, PAGED, PAIR_MONTH, Cell, Counts, changes
from .models import Filters
from .plan import Plan, Span
from .rules import NO_AGENCY, chooses, on_the_worklist, selections
from .worklist import entry

# A referral's stored roll-up (None: new) and its new document, for each referral a batch changed.
Changed = list[tuple[Mapping[str, Any] | None, Mapping[str, Any]]]
PERIODIC = (MONTH, DAY, PAIR_MONTH, *PAGED.values())
BY_SUBMISSION = ("source_agency_id", "lead_agency_id", "tier")  # each with the submission time


class ReadModels:
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
        await self._add(changes((before, after["rollup"]) for before, after in changed), session)
        worklist = []
        for before, after in changed:  # an entry exists exactly while the stored roll-up counts it
            listed, listing = bool((before or {}).get("counts", {}).get("worklist")), on_the_worklist(after)
            if listing:
                worklist.append(ReplaceOne({"_id": after["_id"]}, entry(after)) if listed else InsertOne(entry(after)))
            elif listed:
                worklist.append(DeleteOne({"_id": after["_id"]}))
        await exactly(self.worklist, worklist, session)
        await self._breaches(changed, session)

    async def _add(self, deltas: dict[str, Counts], session: AsyncClientSession) -> None:
        """Move each cell by its change: read, add, write back whole (on the local store a whole
        replacement costs a third of an `$inc` of twenty counters), without the counters brought
        to zero, and remove a cell emptied; so a cell holds only what its referrals count now and
        equals its rebuild. `v` guards each write against another writer's (transaction.exactly)."""
        if not deltas:
            return
        found = await by_ids(self.rollups, list(deltas), session)
        writes = []
        for cell_id, delta in deltas.items():
            cell = found.get(cell_id)
            counts = Counter(cell["c"] if cell else {})
            counts.update(delta)
            kept = {key: n for key, n in counts.items() if n}
            if cell is None:
                writes += [InsertOne({"_id": cell_id, **vars(Cell.parse(cell_id)), "c": kept, "v": 1})] if kept else []
            elif kept:
                writes.append(ReplaceOne({"_id": cell_id, "v": cell["v"]}, {**cell, "c": kept, "v": cell["v"] + 1}))
            else:
                writes.append(DeleteOne({"_id": cell_id, "v": cell["v"]}))
        await exactly(self.rollups, writes, session)

    async def _breaches(self, changed: Changed, session: AsyncClientSession) -> None:
        """Each referral's breaches replaced by its new ones (a reason may have been given since)."""
        gone = [after["_id"] for before, after in changed if (before or {}).get("counts", {}).get("breaches")]
        for start in range(0, len(gone), LOT):
            await self.breaches.delete_many({"referral_id": {"$in": gone[start:start + LOT]}}, session=session)
        rows = [_breach(after, rung) for _, after in changed for rung in after.get("escalations") or []
                if rung["step"] == EscalationStep.BREACH]
        if rows:
            await self.breaches.bulk_write([ReplaceOne({"_id": r["_id"]}, r, upsert=True) for r in rows],
                                           ordered=False, session=session)

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
        """The cells of `span` the filters choose: by index on the kind, the agency and the period."""
        query: dict[str, Any] = {"kind": span.kind}
        if span.kind in PERIODIC:
            query["period"] = {"$gte": span.start, "$lt": span.end}
        agencies = ([{"source": filters.source_agency_id}] if filters.source_agency_id else
                    [{"receiving": filters.receiving_agency_id}] if filters.receiving_agency_id else
                    [{"source": filters.involving}, {"receiving": filters.involving}] if filters.involving else [{}])
        found: dict[str, dict[str, Any]] = {}
        for agency in agencies:
            async for cell in self.rollups.find({**agency, **query}, fields):
                if chooses(filters, source=cell["source"], lead=cell["receiving"], tier=cell["tier"]):
                    found[cell["_id"]] = cell
        return list(found.values())

    async def entries(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Worklist entries, each query a range on an index."""
        return [e for query in queries async for e in self.worklist.find(query)]


def _breach(referral: Mapping[str, Any], rung: Mapping[str, Any]) -> dict[str, Any]:
    """A breach as the log lists it, with the referral's fields the filters choose by."""
    return {"_id": rung["event_id"], "referral_id": referral["referral_id"], "tier": referral.get("tier"),
            "submitted_at": referral["submitted_at"], "source_agency_id": referral["source_agency_id"],
            "lead_agency_id": referral.get("lead_agency_id"), "agency_id": rung["agency_id"],
            "deadline": rung.get("deadline"), "fired_at": rung["at"], "overdue_seconds": rung["overdue_seconds"],
            "reason": rung.get("reason_text")}


def breach_moment(row: Mapping[str, Any]) -> tuple[datetime, str]:
    return row["fired_at"], str(row["_id"])
