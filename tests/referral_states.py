"""Hypothesis strategies for `referral.changed` states, for the read models' tests: any loop state
with any mix of step times, closures, escalation rungs (breaches with and without reasons) and
follow-through, over a few agencies and every tier, at millisecond times around a few weeks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

from hypothesis import strategies as st

from referral_contracts import AcuityTier, ClosureOutcome, EscalationStep
from referral_contracts.changes import ClosureFacts, FollowThroughFacts, LoopState, ReferralState, Rung
from referral_contracts.directory import LeadRole

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
AGENCIES = ("gp-north", "ed-central", "cmh-east", "housing-support")
REASONS = ("not_ready", "person_declined", "odd.reason:with$marks")
moments = st.integers(min_value=0, max_value=60 * 86_400_000).map(lambda ms: T0 + timedelta(milliseconds=ms))
ids = st.integers(min_value=1, max_value=2**64).map(lambda n: UUID(int=n))


def after(moment: datetime, days: int = 30):
    """A time from an hour before `moment` (clocks out of step) to `days` after it, or none."""
    return st.none() | st.integers(-3_600_000, days * 86_400_000).map(lambda ms: moment + timedelta(milliseconds=ms))


@st.composite
def rungs(draw, submitted: datetime) -> Rung:
    return Rung(event_id=draw(ids), step=draw(st.sampled_from(EscalationStep)), at=draw(after(submitted).filter(bool)),
                agency_id=draw(st.sampled_from(AGENCIES)), role=LeadRole.OPERATIONAL,
                deadline=draw(after(submitted)), overdue_seconds=draw(st.integers(0, 10**6)),
                reason_text=draw(st.none() | st.just("Two coordinators off sick")))


@st.composite
def closures(draw, state: LoopState, submitted: datetime) -> ClosureFacts | None:
    if state not in (LoopState.CLOSED, LoopState.LINKED):
        return None
    outcome = ClosureOutcome.LINKED if state is LoopState.LINKED else draw(
        st.sampled_from([o for o in ClosureOutcome if o is not ClosureOutcome.LINKED]))
    return ClosureFacts(outcome=outcome, closed_at=draw(after(submitted).filter(bool)),
                        closing_agency_id=draw(st.sampled_from(AGENCIES)), reason_code=draw(st.none() | st.sampled_from(REASONS)))


@st.composite
def follow_throughs(draw, submitted: datetime) -> FollowThroughFacts | None:
    if draw(st.booleans()):
        return None
    planned = draw(after(submitted))
    briefed = draw(after(planned)) if planned else None
    step = draw(st.sampled_from(["plan_update", "staff_briefing", None]))
    return FollowThroughFacts(consult_completed_at=submitted, consult_by="Dr Rao", plan_updated_at=planned,
                              staff_briefed_at=briefed, next_step=step)


@st.composite
def referral_states(draw, version: int | None = None) -> ReferralState:
    submitted, state = draw(moments), draw(st.sampled_from(LoopState))
    clock = draw(after(submitted, days=2))
    return ReferralState(
        version=version or draw(st.integers(1, 40)), state=state, source_agency_id=draw(st.sampled_from(AGENCIES)),
        client_reference="R-1", service_type="community_mental_health", tier=draw(st.none() | st.sampled_from(AcuityTier)),
        lead_agency_id=draw(st.none() | st.sampled_from(AGENCIES)), accountable=[], submitted_at=submitted,
        acknowledged_at=draw(after(submitted)), clock_started_at=clock,
        contact_deadline=draw(after(clock or submitted)), first_contact_at=draw(after(submitted)),
        contact_attempts=draw(st.integers(0, 3)), appointments_scheduled=draw(st.integers(0, 2)),
        appointments_missed=draw(st.integers(0, 1)), redirects=draw(st.integers(0, 2)),
        closure=draw(closures(state, submitted)), outcome_unknown_since=draw(after(submitted)),
        escalations=draw(st.lists(rungs(submitted), max_size=3)), follow_through=draw(follow_throughs(submitted)),
        last_activity_at=submitted)


@st.composite
def histories(draw, max_referrals: int = 4, min_referrals: int = 1) -> list[tuple[UUID, ReferralState]]:
    """Each referral's states over its life (versions 1, 2, ...), all of them, in publishing order."""
    published = []
    for referral_id in draw(st.lists(ids, min_size=min_referrals, max_size=max_referrals, unique=True)):
        for version in range(1, draw(st.integers(1, 5)) + 1):
            published.append((referral_id, draw(referral_states(version=version))))
    return published


def random_history(rng, referrals: int) -> list[tuple[UUID, ReferralState]]:
    """As `histories`, drawn from a seeded `random.Random` rather than by hypothesis (whose first
    examples are the simplest, every time at T0): varied from the first, and the same for a seed."""
    def moment(start: datetime | None, days: float = 30) -> datetime | None:
        return None if start is None or rng.random() < 0.3 else start + timedelta(
            milliseconds=rng.randint(-3_600_000, int(days * 86_400_000)))

    published = []
    for _ in range(referrals):
        referral_id = UUID(int=rng.getrandbits(128))
        for version in range(1, rng.randint(1, 5) + 1):
            submitted = T0 + timedelta(milliseconds=rng.randint(0, 60 * 86_400_000))
            state, clock = rng.choice(list(LoopState)), moment(submitted, 2)
            closure = None
            if state in (LoopState.CLOSED, LoopState.LINKED):
                outcome = ClosureOutcome.LINKED if state is LoopState.LINKED else rng.choice(
                    [o for o in ClosureOutcome if o is not ClosureOutcome.LINKED])
                closure = ClosureFacts(outcome=outcome, closed_at=submitted + timedelta(days=rng.uniform(0, 30)),
                                       closing_agency_id=rng.choice(AGENCIES), reason_code=rng.choice((None, *REASONS)))
            rungs_ = [Rung(event_id=UUID(int=rng.getrandbits(128)), step=rng.choice(list(EscalationStep)),
                           at=submitted + timedelta(days=rng.uniform(0, 20)), agency_id=rng.choice(AGENCIES),
                           role=LeadRole.OPERATIONAL, deadline=moment(submitted), overdue_seconds=rng.randint(0, 10**6),
                           reason_text=rng.choice((None, "Two coordinators off sick"))) for _ in range(rng.randint(0, 2))]
            planned = moment(submitted)
            follow = None if rng.random() < 0.6 else FollowThroughFacts(
                consult_completed_at=submitted, consult_by="Dr Rao", plan_updated_at=planned,
                staff_briefed_at=moment(planned), next_step=rng.choice(["plan_update", "staff_briefing", None]))
            published.append((referral_id, ReferralState(
                version=version, state=state, source_agency_id=rng.choice(AGENCIES), client_reference="R-1",
                service_type="community_mental_health", tier=rng.choice((None, *AcuityTier)),
                lead_agency_id=rng.choice((None, *AGENCIES)), accountable=[], submitted_at=submitted,
                acknowledged_at=moment(submitted), clock_started_at=clock, contact_deadline=moment(clock or submitted, 20),
                first_contact_at=moment(submitted), contact_attempts=rng.randint(0, 3),
                appointments_scheduled=rng.randint(0, 2), appointments_missed=rng.randint(0, 1),
                redirects=rng.randint(0, 2), closure=closure, outcome_unknown_since=moment(submitted),
                escalations=rungs_, follow_through=follow, last_activity_at=submitted)))
    return published
