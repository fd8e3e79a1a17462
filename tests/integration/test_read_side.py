"""The read side on the real store: the projection keeps each referral's newest state whatever the
order and however often it hears it, and a repeated crisis travels from tracking's write path (the
person's crisis history, the flag under the referral's lease) into oversight's issue log."""

from __future__ import annotations

import asyncio
import random
from uuid import uuid4

import pytest

from oversight.bootstrap import bootstrap
from oversight.issues.service import note_repeated_crisis
from oversight.referrals.service import project
from oversight.referrals.store import document
from referral_contracts import AcuityTier, Actor, CrisisRepeat, RepeatedCrisis, topics
from referral_contracts.changes import ReferralChanged
from tracking.lifecycle.mongo import connect
from tracking.persons.crisis_service import note_crisis
from tracking.lifecycle.service import apply_event

from event_factories import closed_loop, submitted, triaged
from factories import referral_payload
from oversight_story import POLICY
from read_side import fed
from recording_bus import RecordingBus
from tracking_world import tracking_in, view_of

pytestmark = pytest.mark.integration


@pytest.fixture
async def databases(mongodb_url: str):
    client = connect(mongodb_url)
    run = uuid4().hex[:8]
    chosen = client[f"tracking_read_{run}"], client[f"oversight_read_{run}"]
    yield chosen
    for database in chosen:
        await client.drop_database(database.name)
    await client.close()


async def test_the_projection_keeps_the_newest_state_whatever_the_order(databases) -> None:
    tracking, read_side = databases
    bus = RecordingBus()
    writer = await tracking_in(tracking, bus=bus)
    for loop in (closed_loop(), closed_loop()):
        for event in loop:
            await apply_event(event, writer)
    changes = bus.of_type(ReferralChanged)
    newest = {c.referral_id: c for c in changes}  # published in order: the last of each is the newest
    oversight = bootstrap(read_side, POLICY)
    await oversight.ensure_indexes()
    shuffled = changes * 2
    random.Random(15).shuffle(shuffled)
    for start in range(0, len(shuffled), 3):  # small batches, older states after newer ones, repeats
        await project(shuffled[start:start + 3], projection=oversight.projection)
    stored = {d["_id"]: d async for d in oversight.projection.referrals.find({})}
    assert stored == {rid: document(rid, change.data) for rid, change in newest.items()}
    assert {d["state"] for d in stored.values()} == {"closed"}
    await project([min(changes, key=lambda c: c.data.version)], projection=oversight.projection)
    assert {d["_id"]: d async for d in oversight.projection.referrals.find({})} == stored  # older: nothing


async def test_a_repeated_crisis_reaches_the_issue_log_once_naming_referrals_only(databases) -> None:
    tracking, read_side = databases
    bus = RecordingBus()
    writer = await tracking_in(tracking, bus=bus)
    within_days = writer.policy.issue_log.repeated_crisis_within_days
    person = {**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:8]}"}
    flags = []
    for n, service in enumerate(("community_mental_health", "crisis_team", "talking_therapies")):
        first = submitted(minute=60 * n, person=person, service_type=service, client_reference=f"CRISIS-{n}")
        triage = triaged(first, minute=60 * n + 1, tier=AcuityTier.URGENT)
        for event in (first, triage):
            view = await apply_event(event, writer)
        for _ in range(2):  # a redelivered triage flags nothing new
            flag = await note_crisis(triage, view, writer)
        flags.append(flag)
    assert flags[0] is None and [f.data.crisis_referrals for f in flags[1:]] == [
        flags[2].data.crisis_referrals[:2], flags[2].data.crisis_referrals]
    published = [e for t, e in bus.published if t == topics.REFERRAL_FLAGS and isinstance(e, RepeatedCrisis)]
    assert published == flags[1:]  # each once, keyed by the referral that repeated the crisis
    assert "repeated crisis" in (await view_of(writer, flags[2].referral_id)).timeline[-1].what

    oversight = await fed(read_side, POLICY, bus)
    [issue] = await oversight.issues.issues()
    assert issue.kind == "repeated_crisis" and issue.linked_referrals == flags[2].data.crisis_referrals
    assert issue.summary == f"3 crisis referrals for the same person within {within_days} days"
    assert person["identifier"] not in issue.model_dump_json() and person["family_name"] not in issue.model_dump_json()


async def test_flags_of_one_run_arriving_together_link_one_entry_whose_summary_counts_them(databases) -> None:
    _, read_side = databases
    oversight = bootstrap(read_side, POLICY)
    await oversight.ensure_indexes()
    run = [uuid4() for _ in range(4)]
    flags = [RepeatedCrisis.create(referral_id=run[n], correlation_id=uuid4(), actor=Actor(agency_id="platform-tracking"),
                                   data=CrisisRepeat(crisis_referrals=run[:n + 1], within_days=90))
             for n in range(1, 4)]
    for flag in flags:
        assert flag.data.crisis_referrals[0] == run[0]  # one run: one entry
    await asyncio.gather(*(note_repeated_crisis(flag, issues=oversight.issues) for flag in flags * 3))
    [issue] = await oversight.issues.issues()
    assert sorted(issue.linked_referrals) == sorted(run)
    assert issue.summary == "4 crisis referrals for the same person within 90 days"
