"""How oversight's writer talks to the real store (issue 16): a batch of one referral is read and
written in one command, a change that moves no figure and no row writes nothing else, cells are moved
by `$inc` (so a counter can sit at 0, and a cell can be all zeros, and every reader takes 0 for
absent), a stale state ends its transaction instead of retrying it, and two transactions creating
the same cell at once count both."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient, InsertOne, monitoring
from pymongo.errors import OperationFailure

from oversight.bootstrap import bootstrap, connect
from oversight.figures.models import Filters
from oversight.figures.plan import Span
from oversight.referrals.service import project
from oversight.transaction import bulk
from referral_contracts import AcuityTier, Actor, EscalationStep
from referral_contracts.changes import LoopState, ReferralChanged, ReferralState, Rung
from referral_contracts.directory import LeadRole

from oversight_story import POLICY
from referral_states import T0

pytestmark = pytest.mark.integration
NOW = T0 + timedelta(days=2)
COLLECTIONS = ("referrals", "rollups", "worklist", "breaches")


class Commands(monitoring.CommandListener):
    """The command names one client sends, in order (the driver's own handshakes left out)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in ("hello", "isMaster", "ping", "endSessions", "listIndexes", "createIndexes"):
            self.names.append(event.command_name)

    def succeeded(self, event) -> None: ...

    def failed(self, event) -> None: ...


def state(version: int, **fields) -> ReferralState:
    return ReferralState(**{"version": version, "state": LoopState.SUBMITTED, "source_agency_id": "gp-north",
                            "client_reference": "R-1", "service_type": "community_mental_health", "accountable": [],
                            "submitted_at": T0, "last_activity_at": T0, **fields})


def triaged(version: int, **fields) -> ReferralState:
    return state(version, **{"state": LoopState.ASSIGNED, "tier": AcuityTier.URGENT, "lead_agency_id": "cmh-east",
                             "clock_started_at": T0 + timedelta(hours=1), "contact_deadline": T0 + timedelta(hours=9),
                             **fields})


def changed(referral_id, data: ReferralState) -> ReferralChanged:
    return ReferralChanged.create(referral_id=referral_id, correlation_id=uuid4(), occurred_at=T0, data=data,
                                  actor=Actor(agency_id="platform-tracking"))


@pytest.fixture
async def watched(mongodb_url: str):
    """Oversight on a database of its own, through a client (as `connect` makes it) whose commands
    are recorded."""
    commands = Commands()
    client = AsyncMongoClient(mongodb_url, uuidRepresentation="standard", tz_aware=True, event_listeners=[commands])
    database = client[f"oversight_writes_{uuid4().hex[:8]}"]
    oversight = bootstrap(database, POLICY)
    await oversight.ensure_indexes()
    yield oversight, commands
    await client.drop_database(database.name)
    await client.close()


async def _documents(database) -> dict[str, dict]:
    return {name: {d["_id"]: d async for d in database[name].find({})} for name in COLLECTIONS}


async def test_one_referrals_change_is_a_read_and_a_write_and_a_change_no_figure_or_row_shows_writes_nothing_else(
        watched) -> None:
    oversight, commands = watched
    referral = uuid4()
    await project([changed(referral, state(1))], projection=oversight.projection)
    # New: the referral read (none) and inserted, its cells upserted, its worklist entry inserted.
    assert commands.names == ["find", "insert", "update", "insert", "commitTransaction"]
    commands.names.clear()
    await project([changed(referral, triaged(2))], projection=oversight.projection)
    assert commands.names == ["find", "update", "update", "update", "commitTransaction"]  # it, cells, entry
    commands.names.clear()
    reminder = Rung(event_id=uuid4(), step=EscalationStep.REMINDER, at=T0 + timedelta(hours=7), agency_id="cmh-east",
                    role=LeadRole.OPERATIONAL, deadline=T0 + timedelta(hours=9), overdue_seconds=0)
    await project([changed(referral, triaged(3, escalations=[reminder]))], projection=oversight.projection)
    assert commands.names == ["find", "update", "commitTransaction"]  # no counter, entry field or breach moved
    commands.names.clear()
    breach = reminder.model_copy(update={"event_id": uuid4(), "step": EscalationStep.BREACH, "at": T0 + timedelta(hours=10),
                                         "overdue_seconds": 3600})
    await project([changed(referral, triaged(4, escalations=[reminder, breach]))], projection=oversight.projection)
    assert commands.names == ["find", "update", "update", "update", "commitTransaction"]  # it, cells, breach log
    [logged] = await oversight.figures.breach_log(Filters())
    assert (logged.referral_id, logged.overdue_hours) == (str(referral), 1.0)


async def test_a_stale_or_repeated_state_of_one_referral_changes_nothing(watched) -> None:
    oversight, commands = watched
    referral = uuid4()
    await project([changed(referral, triaged(3))], projection=oversight.projection)
    stored = await _documents(oversight.projection.referrals.database)
    for older in (state(1), triaged(2), triaged(3)):
        commands.names.clear()
        await asyncio.wait_for(project([changed(referral, older)], projection=oversight.projection), timeout=10)
        assert commands.names == ["find", "commitTransaction"]
    assert await _documents(oversight.projection.referrals.database) == stored


async def test_a_cell_driven_to_zero_counts_as_absent_in_every_figure(watched) -> None:
    oversight, _ = watched
    referral = uuid4()
    contacted = triaged(3, state=LoopState.CONTACT_ATTEMPTED, first_contact_at=T0 + timedelta(hours=2),
                        last_contact_attempt_at=T0 + timedelta(hours=2), contact_attempts=1)
    for data in (state(1), triaged(2), contacted):  # untriaged, then urgent and awaiting contact, then contacted
        await project([changed(referral, data)], projection=oversight.projection)
    cells = [c async for c in oversight.read_models.rollups.find({})]
    assert any(not any(c["c"].values()) for c in cells), "no cell was emptied: the test proves nothing"
    assert any(0 in c["c"].values() and any(c["c"].values()) for c in cells), "no counter sits at 0"
    assert {(c["tier"], c["kind"]) for c in await oversight.read_models.cells(Span("all"), Filters())} == {
        ("urgent", "all")}
    assert await oversight.read_models.cells(Span("all_days"), Filters()) == []  # nobody awaits contact
    assert all(0 not in c["c"].values() for c in await oversight.read_models.cells(Span("month"), Filters()))
    figures = await oversight.figures.summary(Filters(), NOW)
    assert (figures.by_state, figures.volume, figures.unassigned, figures.overdue) == ({"contact_attempted": 1}, 1, 0, 0)
    assert set(figures.time_to_first_contact) == {"urgent"} and set(figures.backlog_age.values()) == {0}
    assert await oversight.figures.live_counts(NOW) == ({("contact_attempted", "urgent"): 1}, 0)
    assert [row.referral_id for row in await oversight.figures.worklist(Filters(), NOW, sort="acuity")] == [
        str(referral)]


async def test_two_transactions_creating_the_same_cells_at_once_count_both(mongodb_url: str) -> None:
    """Both write their referral, then wait for each other before moving the cells, none of which
    exists yet: the second to write conflicts with the first (a write conflict or, on some stores, a
    duplicate key), starts again, and finds the cells to move."""
    client = connect(mongodb_url)
    database = client[f"oversight_race_{uuid4().hex[:8]}"]
    try:
        writers = [bootstrap(database, POLICY) for _ in range(2)]
        await writers[0].ensure_indexes()
        both, attempts, waited = asyncio.Barrier(2), [], set()
        for n, writer in enumerate(writers):
            async def held(deltas, session, _add=writer.read_models._add, n=n) -> None:
                attempts.append(n)
                if n not in waited:  # the first attempt only: a second one finds the cells
                    waited.add(n)
                    await asyncio.wait_for(both.wait(), timeout=10)
                await _add(deltas, session)

            writer.read_models._add = held
        referrals = [uuid4(), uuid4()]
        await asyncio.gather(*(project([changed(r, triaged(1))], projection=w.projection)
                               for r, w in zip(referrals, writers)))
        assert len(attempts) >= 3, "neither transaction started again"  # the second, once or more
        [cell] = await writers[0].read_models.cells(Span("all"), Filters())
        assert cell["c"]["state:assigned"] == 2 and cell["c"]["worklist"] == 2
        figures = await writers[0].figures.summary(Filters(), NOW)
        assert (figures.by_state, figures.funnel.sent) == ({"assigned": 2}, 2)
    finally:
        await client.drop_database(database.name)
        await client.close()


async def test_a_duplicate_key_in_a_bulk_write_starts_the_transaction_again(mongodb_url: str) -> None:
    client = connect(mongodb_url)
    things = client[f"oversight_dup_{uuid4().hex[:8]}"]["things"]
    try:
        await things.insert_one({"_id": 1})
        with pytest.raises(OperationFailure) as raised:
            await bulk(things, [InsertOne({"_id": 1})], session=None)
        assert raised.value.has_error_label("TransientTransactionError")
    finally:
        await client.drop_database(things.database.name)
        await client.close()
