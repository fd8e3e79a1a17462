"""Oversight's answers from the real store, on seeded referrals whose true answers this test works
out on its own from the scenario it wrote (never from the views the store holds). Seeded through
tracking's write path; the states it published are projected by the oversight service, which
answers."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import pytest

from referral_contracts import AcuityTier
from referral_contracts.policy import load_policy
from oversight.figures.models import Filters
from oversight.figures.worklist import rank
from tracking.lifecycle.mongo import connect
from tracking.deadlines.sweeps import fire_due_escalations
from tracking.lifecycle.service import apply_event

from event_factories import DESK, at, milestone, submitted, triaged
from factories import referral_payload
from read_side import fed
from recording_bus import RecordingBus
from tracking_world import tracking_in

pytestmark = pytest.mark.integration
POLICY = load_policy(Path(__file__).resolve().parents[2] / "deploy" / "demo" / "policy.yaml")
NOW = at(60 * 24 * 22 + 60)  # Tuesday 24 March 2026, 10:00 in London: the watcher fires routine work now
DAY = 60 * 24


@dataclass
class Case:
    """One seeded referral and what truly happened to it (minutes after T0)."""

    start: float
    tier: AcuityTier
    lead: str | None
    deadline_minutes: float
    acknowledged: float | None = None
    contacted: float | None = None
    closed: str | None = None  # engaged / declined
    decline_reason: str | None = None
    redirected: bool = False
    source: str = "gp-north"
    missed_first_appointment: bool = False  # engaged ones: a no-show, then a second appointment kept
    events: list = field(default_factory=list)


def scenario(seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for i in range(40):
        tier = rng.choice([AcuityTier.ROUTINE, AcuityTier.PRIORITY, AcuityTier.URGENT])
        start = rng.uniform(0, 15 * DAY)
        case = Case(start=start, tier=tier, lead=None if i % 13 == 0 else "cmh-east",
                    deadline_minutes=rng.choice([4 * 60, 5 * DAY, 10 * DAY]),
                    source=rng.choice(["gp-north", "ed-central"]), missed_first_appointment=rng.random() < 0.5)
        if case.lead and rng.random() < 0.8:
            case.acknowledged = start + rng.uniform(10, 3 * DAY)
            if rng.random() < 0.75:
                case.contacted = case.acknowledged + rng.uniform(10, 6 * DAY)
                if rng.random() < 0.6:
                    case.closed = rng.choice(["engaged", "engaged", "declined"])
                    case.decline_reason = rng.choice(["person_declined", "not_ready"])
            elif rng.random() < 0.3:
                case.redirected = True
        cases.append(_as_of_now(case))
    return cases


def _as_of_now(case: Case) -> Case:
    """What has happened by NOW: later steps have not happened yet."""
    now = (NOW - at(0)).total_seconds() / 60
    if case.acknowledged is not None and case.acknowledged + 5 > now:
        case.acknowledged, case.contacted, case.closed, case.redirected = None, None, None, False
    if case.contacted is not None and case.contacted + 5 > now:
        case.contacted, case.closed = None, None
    return case


def events_of(case: Case) -> list:
    person = {**referral_payload()["person"], "identifier": f"P-{uuid4().hex[:10]}"}  # each one a new person
    first = submitted(minute=case.start, person=person, source_agency_id=case.source)
    rid = first.referral_id
    decision = triaged(first, minute=case.start + 1, lead=case.lead, tier=case.tier)
    decision = decision.model_copy(update={"data": decision.data.model_copy(update={
        "clock_started_at": at(case.start), "contact_deadline": at(case.start + case.deadline_minutes)})})
    events = [first, decision]
    if case.acknowledged is not None:
        events.append(milestone(rid, "acknowledged", case.acknowledged))
        if case.contacted is not None:
            events += [milestone(rid, "accepted", case.acknowledged + 1),
                       milestone(rid, "contact_attempted", case.contacted)]
            if case.closed == "engaged":
                events.append(milestone(rid, "appointment_scheduled", case.contacted + 1))
                if case.missed_first_appointment:
                    events += [milestone(rid, "appointment_missed", case.contacted + 2),
                               milestone(rid, "appointment_scheduled", case.contacted + 3)]
                events.append(milestone(rid, "engaged", case.contacted + 5))
            elif case.closed == "declined":
                events.append(milestone(rid, "declined", case.contacted + 5, decline_reason=case.decline_reason))
        elif case.redirected:
            events.append(milestone(rid, "redirect_requested", case.acknowledged + 5))
    return events


@pytest.fixture
async def seeded(mongodb_url: str):
    client = connect(mongodb_url)
    run = uuid4().hex[:8]
    tracking, read_side = client[f"tracking_test_{run}"], client[f"oversight_test_{run}"]
    cases = scenario(seed=7)
    bus = RecordingBus()
    writer = await tracking_in(tracking, bus=bus)
    for case in cases:
        for event in events_of(case):
            await apply_event(event, writer)
    await fire_due_escalations(writer, now=NOW)
    yield (await fed(read_side, POLICY, bus)).figures, cases
    for database in (tracking, read_side):
        await client.drop_database(database.name)
    await client.close()


def within(case: Case) -> bool | None:
    """None: not yet due (no contact and the deadline still ahead)."""
    if case.contacted is not None and case.contacted <= (NOW - at(0)).total_seconds() / 60:
        return case.contacted <= case.start + case.deadline_minutes
    return False if case.start + case.deadline_minutes < (NOW - at(0)).total_seconds() / 60 else None


async def test_every_figure_matches_what_the_scenario_says(seeded) -> None:
    figures, cases = seeded
    answer = await figures.summary(Filters(), NOW)
    assert answer.volume == len(cases) and answer.duplicates_linked == 0
    assert answer.unassigned == sum(1 for c in cases if c.lead is None)
    assert answer.funnel.sent == len(cases)
    assert answer.funnel.acknowledged == sum(1 for c in cases if c.acknowledged is not None)
    assert answer.funnel.first_contact == sum(1 for c in cases if c.contacted is not None)
    assert answer.funnel.engaged == sum(1 for c in cases if c.closed == "engaged")
    assert answer.closures == dict(Counter(c.closed for c in cases if c.closed))
    assert answer.declines_by_reason == dict(Counter(c.decline_reason for c in cases if c.closed == "declined"))
    assert answer.redirects == answer.redirected_referrals == sum(1 for c in cases if c.redirected)
    for tier in {c.tier for c in cases if c.lead}:
        mine = [c for c in cases if c.tier is tier and within(c) is not None]
        timeliness = answer.time_to_first_contact.get(tier.value)
        assert timeliness is not None and timeliness.due == len(mine)
        assert timeliness.within_standard == sum(1 for c in mine if within(c))
    open_uncontacted = [c for c in cases if c.contacted is None and c.closed is None]
    assert sum(answer.backlog_age.values()) == len(open_uncontacted)
    # Overdue: open, never contacted, past the deadline, whoever holds it (unassigned and redirecting too).
    overdue = [c for c in open_uncontacted if c.start + c.deadline_minutes < (NOW - at(0)).total_seconds() / 60]
    assert answer.overdue == len(overdue)
    # A breach fires for every one of them, to whoever holds it: the lead, the lead that asked to
    # redirect it, or the triage desk holding one no agency could take.
    assert len(answer.breaches) == len(overdue)
    assert sum(1 for b in answer.breaches if b.agency_id == DESK) == sum(1 for c in overdue if not c.lead) > 0
    assert await figures.breach_log(Filters()) == answer.breaches  # the CSV export's source
    hours = sorted((c.acknowledged - c.start) / 60 for c in cases if c.acknowledged is not None)
    assert hours[0] <= answer.time_to_acknowledge.median_hours <= hours[-1]
    assert answer.time_to_acknowledge.count == len(hours)


async def test_no_show_rates_and_first_appointments_by_source(seeded) -> None:
    figures, cases = seeded
    answer = await figures.summary(Filters(), NOW)
    for source in ("gp-north", "ed-central"):
        mine = [c for c in cases if c.source == source]
        booked = [c for c in mine if c.closed == "engaged"]  # the scenario books appointments for these
        appointments = sum(2 if c.missed_first_appointment else 1 for c in booked)
        no_shows = sum(1 for c in booked if c.missed_first_appointment)
        by_source = answer.by_source[source]
        assert (by_source.referrals, by_source.with_appointment, by_source.appointments, by_source.no_shows) == (
            len(mine), len(booked), appointments, no_shows)
        assert by_source.no_show_rate_pct == (round(100 * no_shows / appointments, 1) if appointments else None)


async def test_an_agency_sees_only_its_own_figures_and_filters_narrow_them(seeded) -> None:
    figures, cases = seeded
    routine = await figures.summary(Filters(tier=AcuityTier.ROUTINE), NOW)
    assert routine.volume == sum(1 for c in cases if c.tier is AcuityTier.ROUTINE)
    housing = await figures.summary(Filters(involving="housing-support"), NOW)
    assert housing.volume == 0
    cmh = await figures.summary(Filters(receiving_agency_id="cmh-east"), NOW)
    assert cmh.volume == sum(1 for c in cases if c.lead == "cmh-east")
    early = await figures.summary(Filters(until=at(5 * DAY)), NOW)
    assert early.volume == sum(1 for c in cases if c.start < 5 * DAY)


async def test_the_worklist_by_acuity_keeps_the_most_acute_when_it_is_cut_short(seeded) -> None:
    figures, _ = seeded
    everything = await figures.worklist(Filters(), NOW, sort="acuity")
    ranks = [rank(row.tier.value if row.tier else None) for row in everything]
    assert ranks == sorted(ranks) and len(set(ranks)) > 1
    short = await figures.worklist(Filters(), NOW, sort="acuity", limit=3)
    assert [r.referral_id for r in short] == [r.referral_id for r in everything[:3]]
    oldest = await figures.worklist(Filters(), NOW, limit=3)
    assert [r.submitted_at for r in oldest] == sorted(r.submitted_at for r in everything)[:3]
