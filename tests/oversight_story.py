"""The story behind tests/integration/test_oversight_figures.py: sixteen referrals, played in time
order through tracking's real write path (apply_event, the deadline watcher's sweeps, the
unknown-outcome sweep). The test works out every oversight figure by hand from what is told here.

Times are UTC. London is on GMT (UTC+0) until Sunday 29 March 2026 and on BST (UTC+1) after, so
its working hours (09:00-17:00) are 08:00-16:00 UTC from then on. England's bank holidays in the
story: Good Friday 3 April and Easter Monday 6 April. NOW is Tuesday 7 April 2026, 10:00 in London.
Policy (deploy/demo/policy.yaml): routine 10 business days and priority 5 from triage, urgent 4 h
and crisis follow-up 24 h from submission (review within 72 h); a plan update due 2 business days
after the consult, the staff briefing 1 business day after the plan update.

The cast (source, tier; what happened):
A gp-north routine: contacted in 48 h, booked, engaged; consult, plan updated, staff briefed.
B ed-central routine: no answer at 72 h, booked, missed, booked again, engaged; consult on 26 Mar,
  plan never updated (due Mon 30 Mar 17:00 BST): escalated by the sweep at NOW.
C gp-north routine: breached (deadline Wed 18 Mar 17:00, sweep Thu 19 Mar 09:00), the owner's
  reason given, contacted late (384.75 h), declined (not_ready).
D ed-central routine: contacted at 318 h, a day before its deadline; declined (person_declined).
E gp-north routine: acknowledged, then withdrawn by the sender on 11 Mar, never contacted, before
  its deadline (23 Mar): never due.
F gp-north routine: assigned, never acknowledged; breached (deadline Tue 24 Mar 17:00, sweep Wed 25
  Mar 11:30); quiet since M was linked to it on 23 Mar: flagged unknown outcome at NOW.
G ed-central priority: contacted in 24 h, booked, missed, one more attempt (no answer) on 26 Mar.
H gp-north priority: accepted by cmh-east, breached (deadline Wed 25 Mar 17:00, sweep Thu 26 Mar
  09:45); redirected to housing-support (new deadline Thu 2 Apr 17:00 BST), which accepted and then
  asked to redirect it again: redirecting at NOW, never contacted; housing-support, still accountable,
  breached its deadline too (held over Easter for office hours, found by the sweep at NOW).
I ed-central urgent (Saturday 21 Mar 20:00): contacted in 2 h, booked, engaged; consult, plan updated
  on time, staff not briefed (due Fri 27 Mar 17:00; urgent rungs do not wait for office hours).
J gp-north urgent: breached (deadline Wed 1 Apr 18:00 UTC, sweep 20:00), contacted at 19 h, closed
  escalated (crisis pathway); the owner's reason given after closure.
K ed-central urgent, Saturday 4 Apr 21:00: no eligible agency (unassigned); deadline Sun 5 Apr 01:00,
  breached by the triage desk that holds it (sweep Sun 5 Apr 09:00: urgent rungs fire on Sundays).
L gp-north crisis follow-up: contacted in 20 h, booked, engaged before its review was due; consult on
  Thu 2 Apr, plan update due Wed 8 Apr 17:00 BST (Good Friday and Easter Monday skipped): not late.
M ed-central: the same person and service as F while F is open: linked to F as a duplicate.
N gp-north routine, submitted on Good Friday: awaiting clarification; deadline Tue 21 Apr 17:00 BST.
O gp-north routine, submitted Mon 30 Mar 21:00 UTC: acknowledged only; 7.5 days old at NOW.
P ed-central priority, submitted Thu 2 Apr: accepted at NOW - 30 min, not yet contacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from referral_contracts import AcuityTier, EscalationStep, TriageOutcome, derived_id
from referral_contracts.policy import load_policy
from tracking.lifecycle.ports import Tracking
from tracking.deadlines.sweeps import fire_due_escalations, flag_unknown_outcomes
from tracking.lifecycle.service import apply_event

from event_factories import T0, milestone, submitted, triaged
from factories import referral_payload

POLICY = load_policy(Path(__file__).resolve().parents[1] / "deploy" / "demo" / "policy.yaml")
ROUTINE, PRIORITY, URGENT = AcuityTier.ROUTINE, AcuityTier.PRIORITY, AcuityTier.URGENT
CRISIS = AcuityTier.CRISIS_FOLLOW_UP
PLAN = {"plan_today": "Evening check-in by the duty nurse", "plan_two_weeks": "Weekly review with the CMHT"}


def on(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


NOW = on("2026-04-07 09:00")
# Each seeded triage: (referral, tier, clock start, contact deadline worked out by hand; the test
# checks each against the policy's calendar).
DEADLINES = [
    ("A", ROUTINE, "2026-03-02 09:30", "2026-03-16 17:00"), ("B", ROUTINE, "2026-03-03 10:00", "2026-03-17 17:00"),
    ("C", ROUTINE, "2026-03-04 09:15", "2026-03-18 17:00"), ("D", ROUTINE, "2026-03-05 10:00", "2026-03-19 17:00"),
    ("E", ROUTINE, "2026-03-09 09:30", "2026-03-23 17:00"), ("F", ROUTINE, "2026-03-10 09:30", "2026-03-24 17:00"),
    ("G", PRIORITY, "2026-03-16 09:20", "2026-03-23 17:00"), ("H", PRIORITY, "2026-03-18 09:10", "2026-03-25 17:00"),
    ("H2", PRIORITY, "2026-03-26 11:00", "2026-04-02 16:00"),  # the redirect to housing-support: BST
    ("I", URGENT, "2026-03-21 20:00", "2026-03-22 00:00"), ("J", URGENT, "2026-04-01 14:00", "2026-04-01 18:00"),
    ("K", URGENT, "2026-04-04 21:00", "2026-04-05 01:00"), ("L", CRISIS, "2026-03-12 15:00", "2026-03-13 15:00"),
    # Counted from the date the clock started (calendar.business_days_count_from: start_date):
    ("N", ROUTINE, "2026-04-03 09:05", "2026-04-20 16:00"),  # Good Friday: Tue 7 Apr is day 1, Mon 20 day 10
    ("O", ROUTINE, "2026-03-30 21:10", "2026-04-15 16:00"),  # Mon after hours: Tue 31 is day 1, Easter skipped,
    #                                                          Wed 15 Apr day 10
    ("P", PRIORITY, "2026-04-02 13:30", "2026-04-13 16:00"),  # Thu 2 Apr, then Tue 7 to Mon 13
]
DUE = {name: on(due) for name, _, _, due in DEADLINES}


@dataclass(frozen=True)
class Sweep:
    at: datetime


@dataclass(frozen=True)
class Explain:
    """The owner's reason for the referral's breach, recorded at `at` (its escalation id is read then)."""

    name: str
    at: datetime
    reason: str


class Story:
    """The referrals' events, sweeps and explanations, played in time order through the write path."""

    def __init__(self) -> None:
        self.first: dict[str, object] = {}
        self.items: list = []

    def submit(self, name: str, at: str, source: str, person: str | None = None) -> None:
        who = {**referral_payload()["person"], "identifier": f"P-{person or name}"}
        self.first[name] = submitted(minute=_minutes(on(at)), person=who, source_agency_id=source,
                                     client_reference=f"REF-{name}")
        self.items.append(self.first[name])

    def triage(self, name: str, at: str, tier: AcuityTier, lead: str | None = "cmh-east", due: str | None = None,
               **decision) -> None:
        clock = next(on(c) for n, _, c, _ in DEADLINES if n == (due or name))
        event = triaged(self.first[name], minute=_minutes(on(at)), lead=lead, tier=tier,
                        outcome=decision.pop("outcome", None), missing=decision.pop("missing", None),
                        reroute_of=decision.pop("reroute_of", None))
        data = {"clock_started_at": clock, "contact_deadline": DUE[due or name], **decision}
        self.items.append(event.model_copy(update={"data": event.data.model_copy(update=data)}))

    def step(self, name: str, kind: str, at: str, agency: str = "cmh-east", person: str = "Sam Lee", **details):
        event = milestone(self.first[name].referral_id, kind, _minutes(on(at)), agency=agency, person=person, **details)
        self.items.append(event)
        return event

    def sweep(self, at: str) -> None:
        self.items.append(Sweep(on(at)))

    def explain(self, name: str, at: str, reason: str) -> None:
        self.items.append(Explain(name, on(at), reason))


def _minutes(at: datetime) -> float:
    return (at - T0).total_seconds() / 60


def _when(item) -> datetime:
    return item.occurred_at if hasattr(item, "occurred_at") else item.at


SENDER = {"gp-north": {"agency": "gp-north", "person": "Dr Amara Okafor"},
          "ed-central": {"agency": "ed-central", "person": "Dr Lee Park"}}
GP, ED = "gp-north", "ed-central"


def story() -> Story:
    s = Story()
    for chapter in (_routine, _priority_and_urgent, _crisis_and_recent):
        chapter(s)
    return s  # played in time order, whatever the order written


def _routine(s: Story) -> None:
    s.submit("A", "2026-03-02 09:00", GP); s.triage("A", "2026-03-02 09:30", ROUTINE)
    s.step("A", "acknowledged", "2026-03-02 11:00"); s.step("A", "accepted", "2026-03-02 11:30")
    s.step("A", "contact_attempted", "2026-03-04 09:30"); s.step("A", "appointment_scheduled", "2026-03-04 10:00")
    s.step("A", "engaged", "2026-03-09 10:00"); s.step("A", "consult_completed", "2026-03-10 10:00")
    s.step("A", "plan_updated", "2026-03-11 10:00", **SENDER[GP], **PLAN)
    s.step("A", "staff_briefed", "2026-03-12 10:00", **SENDER[GP])
    s.submit("B", "2026-03-03 09:00", ED); s.triage("B", "2026-03-03 10:00", ROUTINE)
    s.step("B", "acknowledged", "2026-03-03 15:00"); s.step("B", "accepted", "2026-03-03 15:30")
    s.step("B", "contact_attempted", "2026-03-06 10:00", outcome="no_answer")
    s.step("B", "appointment_scheduled", "2026-03-09 10:00"); s.step("B", "appointment_missed", "2026-03-17 10:00")
    s.step("B", "appointment_scheduled", "2026-03-18 10:00"); s.step("B", "engaged", "2026-03-25 10:00")
    s.step("B", "consult_completed", "2026-03-26 10:00")
    s.submit("C", "2026-03-04 09:00", GP); s.triage("C", "2026-03-04 09:15", ROUTINE)
    s.step("C", "acknowledged", "2026-03-05 09:00"); s.step("C", "accepted", "2026-03-05 09:30")
    s.sweep("2026-03-19 09:00")  # C's breach, 16 h late
    s.step("C", "contact_attempted", "2026-03-20 10:00")
    s.explain("C", "2026-03-20 11:00", "Two care coordinators off sick; their waiting list was not re-allocated")
    s.step("C", "declined", "2026-03-23 10:00", decline_reason="not_ready", reason_text="Not ready yet")
    s.submit("D", "2026-03-05 09:00", ED); s.triage("D", "2026-03-05 10:00", ROUTINE)
    s.step("D", "acknowledged", "2026-03-05 13:00"); s.step("D", "accepted", "2026-03-06 09:00")
    s.step("D", "contact_attempted", "2026-03-18 16:00"); s.step("D", "declined", "2026-03-19 10:00")
    s.submit("E", "2026-03-09 09:00", GP); s.triage("E", "2026-03-09 09:30", ROUTINE)
    s.step("E", "acknowledged", "2026-03-09 14:00"); s.step("E", "withdrawn", "2026-03-11 10:00", **SENDER[GP])
    s.submit("F", "2026-03-10 09:00", GP, person="F"); s.triage("F", "2026-03-10 09:30", ROUTINE)
    s.submit("M", "2026-03-23 09:00", ED, person="F")  # F's person, the same service: a duplicate
    s.sweep("2026-03-25 11:30")  # F's breach, 18.5 h late


def _priority_and_urgent(s: Story) -> None:
    s.submit("G", "2026-03-16 09:00", ED); s.triage("G", "2026-03-16 09:20", PRIORITY)
    s.step("G", "acknowledged", "2026-03-16 10:00"); s.step("G", "accepted", "2026-03-16 10:30")
    s.step("G", "contact_attempted", "2026-03-17 09:20"); s.step("G", "appointment_scheduled", "2026-03-17 09:30")
    s.step("G", "appointment_missed", "2026-03-25 10:00")
    s.step("G", "contact_attempted", "2026-03-26 10:00", attempt_number=2, outcome="no_answer")
    s.submit("H", "2026-03-18 09:00", GP); s.triage("H", "2026-03-18 09:10", PRIORITY)
    s.step("H", "acknowledged", "2026-03-18 12:00"); s.step("H", "accepted", "2026-03-18 12:10")
    s.sweep("2026-03-26 09:45")  # H's breach, 16.75 h late (and F's partnership rung)
    away = s.step("H", "redirect_requested", "2026-03-26 10:00")
    s.triage("H", "2026-03-26 11:00", PRIORITY, lead="housing-support", due="H2",
             reroute_of=derived_id(away.event_id, "reroute"))
    s.step("H", "accepted", "2026-03-27 10:00", agency="housing-support", person="Alex Kim")
    s.step("H", "redirect_requested", "2026-03-31 09:00", agency="housing-support", person="Alex Kim",
           redirect_reason="not_eligible", reason_text="Needs a clinical service first")
    s.submit("I", "2026-03-21 20:00", ED); s.triage("I", "2026-03-21 20:05", URGENT)
    s.step("I", "acknowledged", "2026-03-21 20:30"); s.step("I", "accepted", "2026-03-21 20:40")
    s.step("I", "contact_attempted", "2026-03-21 22:00"); s.step("I", "appointment_scheduled", "2026-03-21 22:10")
    s.step("I", "engaged", "2026-03-23 10:00"); s.step("I", "consult_completed", "2026-03-24 10:00")
    s.step("I", "plan_updated", "2026-03-26 12:00", **SENDER[ED], **PLAN)
    s.submit("J", "2026-04-01 14:00", GP); s.triage("J", "2026-04-01 14:05", URGENT)
    s.step("J", "acknowledged", "2026-04-01 14:45"); s.step("J", "accepted", "2026-04-01 14:50")
    s.sweep("2026-04-01 20:00")  # J's breach, 2 h late; I's briefing rung
    s.step("J", "contact_attempted", "2026-04-02 09:00"); s.step("J", "escalated", "2026-04-02 10:00")
    s.explain("J", "2026-04-02 11:00", "Call-back list not checked at the 14:00 handover")
    s.submit("K", "2026-04-04 21:00", ED); s.triage("K", "2026-04-04 21:05", URGENT, lead=None)
    s.sweep("2026-04-05 09:00")  # K's breach, 8 h late, to the triage desk


def _crisis_and_recent(s: Story) -> None:
    s.submit("L", "2026-03-12 15:00", GP)
    s.triage("L", "2026-03-12 15:05", CRISIS, review_deadline=on("2026-03-15 15:00"))
    s.step("L", "acknowledged", "2026-03-12 15:30"); s.step("L", "accepted", "2026-03-12 16:00")
    s.step("L", "contact_attempted", "2026-03-13 11:00"); s.step("L", "appointment_scheduled", "2026-03-13 11:30")
    s.step("L", "engaged", "2026-03-14 11:00"); s.step("L", "consult_completed", "2026-04-02 10:00")
    s.submit("N", "2026-04-03 09:00", GP)
    s.triage("N", "2026-04-03 09:05", ROUTINE, lead=None, outcome=TriageOutcome.CLARIFICATION_NEEDED,
             missing=["person.contact.phone"], clarification_due=on("2026-04-07 16:00"))
    s.submit("O", "2026-03-30 21:00", GP); s.triage("O", "2026-03-30 21:10", ROUTINE)
    s.step("O", "acknowledged", "2026-03-31 09:00")
    s.submit("P", "2026-04-02 13:00", ED); s.triage("P", "2026-04-02 13:30", PRIORITY)
    s.step("P", "acknowledged", "2026-04-02 15:00"); s.step("P", "accepted", "2026-04-07 08:30")
    s.sweep("2026-04-07 09:00")  # NOW: B's plan update rung (and G's failed-contact one)


async def play(s: Story, tracking: Tracking) -> None:
    assert tracking.policy == POLICY, "the story's deadlines are worked out by hand for the demo policy"
    for item in sorted(s.items, key=_when):
        if isinstance(item, Sweep):
            await fire_due_escalations(tracking, now=item.at)
        elif isinstance(item, Explain):
            view = await tracking.stores.views.get(s.first[item.name].referral_id)
            [breach] = [e for e in view.escalations if e.step is EscalationStep.BREACH]
            await apply_event(milestone(view.referral_id, "breach_explained", _minutes(item.at),
                                        explains_escalation_id=breach.event_id, reason_text=item.reason),
                              tracking)
        else:
            await apply_event(item, tracking)
    await flag_unknown_outcomes(tracking, now=NOW)
