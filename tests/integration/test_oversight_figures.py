"""Every oversight figure checked against an independent count (issue 20). The referrals of
tests/oversight_story.py are seeded through tracking's real write path at chosen times; every answer
below was worked out BY HAND from that story and is written as a literal, with why. Nothing expected
is derived by code, so a change in any figure's meaning fails this test. The `referral.changed`
states tracking published are projected by the oversight service's own service layer, which is
queried through the functions its HTTP API and its /metrics refresh use.
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from prometheus_client import REGISTRY

from referral_contracts import AcuityTier
from referral_contracts.calendar import deadline
from oversight.figures.metrics import refresh
from oversight.figures.models import Filters
from tracking.lifecycle.mongo import connect

from oversight_story import DEADLINES, DUE, NOW, POLICY, on, play, story
from read_side import fed
from recording_bus import RecordingBus
from tracking_world import tracking_in

pytestmark = pytest.mark.integration


def test_the_seeded_deadlines_are_the_policys() -> None:
    """The deadlines the story seeds, worked out by hand, are what triage computes from the policy."""
    for name, tier, clock, due in DEADLINES:
        assert deadline(on(clock), POLICY.tier(tier).standard, POLICY.calendar) == on(due), name


@pytest.fixture(scope="module")
async def seeded(mongodb_url: str):
    client = connect(mongodb_url)
    run = uuid4().hex[:8]
    tracking, read_side = client[f"tracking_figures_{run}"], client[f"oversight_figures_{run}"]
    s, bus = story(), RecordingBus()
    await play(s, await tracking_in(tracking, bus=bus))
    oversight = await fed(read_side, POLICY, bus)
    yield oversight.figures, {str(first.referral_id): name for name, first in s.first.items()}
    for database in (tracking, read_side):
        await client.drop_database(database.name)
    await client.close()


def _breach(name: str, tier: str, due: str, fired: str, hours: float, reason: str | None = None,
            agency: str = "cmh-east") -> dict:
    return {"referral_id": name, "agency_id": agency, "tier": AcuityTier(tier), "deadline": on(due),
            "fired_at": on(fired), "overdue_hours": hours, "reason": reason}


# The breach log, oldest first: every missed first-contact deadline, told to whoever held the
# referral: the lead, the lead that asked to redirect it (H's second deadline), the triage desk
# holding one no agency could take (K).
BREACHES = [
    _breach("C", "routine", "2026-03-18 17:00", "2026-03-19 09:00", 16.0,  # found at 09:00 next morning
            "Two care coordinators off sick; their waiting list was not re-allocated"),
    _breach("F", "routine", "2026-03-24 17:00", "2026-03-25 11:30", 18.5),  # no reason given
    _breach("H", "priority", "2026-03-25 17:00", "2026-03-26 09:45", 16.75),  # cmh-east's, before the redirect
    _breach("J", "urgent", "2026-04-01 18:00", "2026-04-01 20:00", 2.0,  # urgent: found at night, not held
            "Call-back list not checked at the 14:00 handover"),
    _breach("K", "urgent", "2026-04-05 01:00", "2026-04-05 09:00", 8.0, agency="triage-desk"),  # on a Sunday
    # housing-support's deadline, Thu 2 Apr 17:00 BST, passed while it waited for its redirect to be
    # answered; held over Good Friday, the weekend and Easter Monday for office hours: found at NOW,
    # 4 days 17 hours late.
    _breach("H", "priority", "2026-04-02 16:00", "2026-04-07 09:00", 113.0, agency="housing-support"),
]


def _timeliness(count: int, median: float | None, p90: float | None, due: int, within: int, pct: float | None) -> dict:
    return {"count": count, "median_hours": median, "p90_hours": p90, "due": due, "within_standard": within,
            "within_standard_pct": pct}


def _source(referrals: int, booked: int, appointments: int, no_shows: int, no_show_pct, booked_pct) -> dict:
    return {"referrals": referrals, "with_appointment": booked, "appointments": appointments, "no_shows": no_shows,
            "no_show_rate_pct": no_show_pct, "first_appointment_pct": booked_pct}


# Percentiles: on a handful of values every value stays a t-digest centroid of its own, and
# MongoDB's approximate $percentile answers the value of nearest rank, the ceil(p * n)-th smallest;
# SecantusDB answers alike.
SUMMARY = {
    "volume": 15,  # 16 submitted, less M (linked to F)
    "duplicates_linked": 1,  # M
    "by_state": {"closed": 8,  # A B I L engaged, C D declined, E withdrawn, J escalated
                 "linked": 1, "assigned": 1, "contact_attempted": 1, "redirecting": 1, "unassigned": 1,  # M F G H K
                 "awaiting_clarification": 1, "acknowledged": 1, "accepted": 1},  # N O P
    # Hours from submission to the lead's first acknowledgement, 12 acknowledged (not F K M N):
    # I 0.5, L 0.5, J 0.75, G 1, A 2, P 2, H 3, D 4, E 5, B 6, O 12, C 24: 6th = 2, 11th = 12.
    "time_to_acknowledge": {"count": 12, "median_hours": 2.0, "p90_hours": 12.0},
    "time_to_first_contact": {
        # Due: A B C D contacted, F past its deadline; E closed before its deadline, N O not yet due.
        # Within 10 business days: A (48 h), B (72 h), D (318 h); not C (384.75 h) nor F.
        "routine": _timeliness(4, 72.0, 384.75, 5, 3, 60.0),
        # Due: G contacted in 24 h (within), H never contacted and past its deadline; P not yet due.
        "priority": _timeliness(1, 24.0, 24.0, 2, 1, 50.0),
        # Due: I 2 h (within), J 19 h (late), K unassigned past its deadline.
        "urgent": _timeliness(2, 2.0, 19.0, 3, 1, 33.3),
        "crisis_follow_up": _timeliness(1, 20.0, 20.0, 1, 1, 100.0),  # L in 20 h
    },
    # Sent 15; acknowledged 12 (as above); first contact A B C D G I J L; engaged A B I L: 4/15.
    "funnel": {"sent": 15, "acknowledged": 12, "first_contact": 8, "engaged": 4, "conversion_pct": 26.7},
    "closures": {"engaged": 4, "declined": 2, "withdrawn": 1, "escalated": 1},  # M's `linked` counted apart
    "declines_by_reason": {"not_ready": 1, "person_declined": 1},  # C, D
    "redirects": 2, "redirected_referrals": 1,  # H twice: by cmh-east, then by housing-support
    "unknown_outcomes": 1,  # F: no activity since M's link on 23 Mar, 14 days before NOW
    # Open, never contacted, past the deadline: F (assigned), H (redirecting), K (unassigned).
    # Not N, O, P (deadlines ahead); G was contacted.
    "overdue": 3,
    "unassigned": 1,  # K
    # Open without a contact attempt, by completed days since submission: K 2.5 days; N 4, P 4.8 and
    # O 7.5 (7 completed days: not yet "over 7"); H 20, F 28.
    "backlog_age": {"0-2 days": 1, "3-7 days": 3, "over 7 days": 2},
    "breaches": BREACHES,
    "breaches_with_reason": 2,  # C and J
    "by_source": {
        # A C E F H J L N O: appointments A 1, L 1, none missed; 2 of 9 reached a first appointment.
        "gp-north": _source(9, 2, 2, 0, 0.0, 22.2),
        # B D G I K P (not M): B 2 (1 missed), G 1 (missed), I 1: 2 no-shows of 4; 3 of 6 booked.
        "ed-central": _source(6, 3, 4, 2, 50.0, 50.0),
    },
    # Consults A B I L; plans updated A I; staff briefed A. B's plan update escalated at NOW and
    # still owed; I's briefing escalated on 1 Apr and still owed; L's plan is not due until 8 Apr.
    "follow_through": {"consults": 4, "plans_updated": 2, "staff_briefed": 1, "plan_update_overdue": 1,
                       "staff_briefing_overdue": 1},
}


async def test_every_summary_figure_is_the_hand_worked_one(seeded) -> None:
    figures, names = seeded
    answer = (await figures.summary(Filters(), NOW)).model_dump(exclude={"filters", "as_of"})
    for breach in answer["breaches"]:
        breach["referral_id"] = names[breach["referral_id"]]
    assert answer == SUMMARY  # every field: a new or renamed one fails here too


async def test_the_breach_log_is_the_summarys(seeded) -> None:
    figures, names = seeded
    log = [b.model_dump() | {"referral_id": names[b.referral_id]} for b in await figures.breach_log(Filters())]
    assert log == BREACHES


# The huddle at NOW: open referrals, and engaged ones whose sender still owes follow-through, oldest
# first. (name, state, tier, lead, owner, last attempt, attempts, next action, deadline, overdue,
# follow-through owed, age in days). Overdue as in the summary: F, H, K.
WORKLIST = [
    # B's plan update is escalated, yet the row's deadline and overdue are first contact's: none once closed.
    ("B", "closed", "routine", "cmh-east", "Sam Lee", on("2026-03-06 10:00"), 1,
     "sender to update the plan from the consult", None, False, "plan_update", 35.0),
    ("F", "assigned", "routine", "cmh-east", None, None, 0, "lead to acknowledge and accept", DUE["F"], True, None,
     28.0),
    ("L", "closed", "crisis_follow_up", "cmh-east", "Sam Lee", on("2026-03-13 11:00"), 1,
     "sender to update the plan from the consult", None, False, "plan_update", 25.8),  # 25 days 18 h
    ("G", "contact_attempted", "priority", "cmh-east", "Sam Lee", on("2026-03-26 10:00"), 2,
     "owner to reach the person or book an appointment", DUE["G"], False, None, 22.0),
    ("H", "redirecting", "priority", "housing-support", "Alex Kim", None, 0,
     "next agency to accept the redirect", DUE["H2"], True, None, 20.0),
    ("I", "closed", "urgent", "cmh-east", "Sam Lee", on("2026-03-21 22:00"), 1,
     "sender to brief the staff on the updated plan", None, False, "staff_briefing", 16.5),  # 16 days 13 h
    ("O", "acknowledged", "routine", "cmh-east", None, None, 0, "lead to name an owner", DUE["O"], False, None, 7.5),
    ("P", "accepted", "priority", "cmh-east", "Sam Lee", None, 0, "owner to attempt first contact", DUE["P"], False,
     None, 4.8),  # 4 days 20 h
    ("N", "awaiting_clarification", "routine", None, None, None, 0, "sender to supply the missing information",
     DUE["N"], False, None, 4.0),
    ("K", "unassigned", "urgent", None, None, None, 0, "triage desk to find an agency", DUE["K"], True, None, 2.5),
]


def _rows(rows) -> list[tuple]:
    return [(r.client_reference.removeprefix("REF-"), r.state, r.tier.value if r.tier else None, r.lead_agency_id,
             r.owner, r.last_attempt_at, r.contact_attempts, r.next_action, r.deadline, r.overdue, r.follow_through,
             r.age_days) for r in rows]


async def test_the_huddle_worklist_by_age_and_by_acuity(seeded) -> None:
    figures, _ = seeded
    assert _rows(await figures.worklist(Filters(), NOW)) == WORKLIST
    by_acuity = [row[0] for row in _rows(await figures.worklist(Filters(), NOW, sort="acuity"))]
    # Urgent I and K, crisis L, priority G H P, routine B F O N; oldest first within each.
    assert by_acuity == ["I", "K", "L", "G", "H", "P", "B", "F", "O", "N"]


async def test_the_metrics_gauges_count_overdue_as_the_summary_does(seeded) -> None:
    figures, _ = seeded
    by_state, overdue = await figures.live_counts(NOW)
    assert by_state == {("assigned", "routine"): 1, ("contact_attempted", "priority"): 1,  # F G
                        ("redirecting", "priority"): 1, ("unassigned", "urgent"): 1,  # H K
                        ("awaiting_clarification", "routine"): 1, ("acknowledged", "routine"): 1,  # N O
                        ("accepted", "priority"): 1}  # P
    assert overdue == 3  # F, H, K
    await refresh(figures, NOW)
    assert REGISTRY.get_sample_value("referral_overdue") == 3
