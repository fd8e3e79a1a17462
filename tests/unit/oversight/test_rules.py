"""Oversight's own rules, each once: who sees which figures, who keeps the quality review and the
issue log, which state of a referral the projection keeps, and what a repeated crisis raises."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

from oversight.figures.rules import figures_scope
from oversight.issues.rules import refusal_of_issue_log, repeated_crisis_issue, repeated_crisis_summary
from oversight.quality.rules import draw_sample, refusal_of_quality_review
from oversight.quality.models import Month
from oversight.referrals.rules import latest
from referral_contracts import Actor, CrisisRepeat, RepeatedCrisis, derived_id
from referral_contracts.changes import LoopState, ReferralChanged, ReferralState
from service_kit.auth import Principal, Role

OVERSIGHT = Principal("partnership-oversight", frozenset({Role.OVERSIGHT}), "k1")
DESK = Principal("triage-desk", frozenset({Role.AGENCY, Role.TRIAGE_DESK}), "k2")
GP = Principal.agency("gp-north")
AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_the_partnership_wide_roles_see_the_partnership_and_keep_the_learning() -> None:
    assert figures_scope(OVERSIGHT) is None and figures_scope(DESK) is None
    assert figures_scope(GP) == "gp-north"  # the referrals it sent or leads
    for rule, what in ((refusal_of_quality_review, "the quality review"),
                       (refusal_of_issue_log, "the partnership issue log")):
        assert rule(OVERSIGHT) is None and rule(DESK) is None
        assert rule(GP) == f"gp-north: {what} is for oversight and the triage desk only"


def changed(referral_id, version: int, state: LoopState = LoopState.ASSIGNED) -> ReferralChanged:
    return ReferralChanged.create(
        referral_id=referral_id, correlation_id=uuid4(), actor=Actor(agency_id="platform-tracking"), occurred_at=AT,
        data=ReferralState(version=version, state=state, source_agency_id="gp-north", client_reference="R-1",
                           service_type="community_mental_health", accountable=[], submitted_at=AT,
                           last_activity_at=AT))


def test_the_newest_version_of_each_referral_is_kept_whatever_the_order() -> None:
    a, b = uuid4(), uuid4()
    kept = latest([changed(a, 3, LoopState.ACCEPTED), changed(b, 1), changed(a, 2), changed(a, 3), changed(b, 2)])
    assert {r: (s.version, s.state) for r, s in kept.items()} == {a: (3, LoopState.ACCEPTED), b: (2, LoopState.ASSIGNED)}


def test_a_repeated_crisis_raises_one_entry_per_run_named_after_its_first_referral() -> None:
    first, second, third = uuid4(), uuid4(), uuid4()

    def flag(crises: list) -> RepeatedCrisis:
        return RepeatedCrisis.create(referral_id=crises[-1], correlation_id=uuid4(),
                                     actor=Actor(agency_id="platform-tracking"), occurred_at=AT,
                                     data=CrisisRepeat(crisis_referrals=crises, within_days=30))

    raised, again = repeated_crisis_issue(flag([first, second])), repeated_crisis_issue(flag([first, second, third]))
    assert raised.issue_id == again.issue_id == derived_id("repeated-crisis", first)
    assert raised.summary == repeated_crisis_summary(2, 30) == "2 crisis referrals for the same person within 30 days"
    assert again.linked_referrals == [first, second, third] and again.summary.startswith("3 crisis referrals")
    assert raised.raised_by == "platform-tracking" and raised.owner == "partnership lead"
    assert str(raised.review_date) == "2026-03-09"  # a week after the flag


def test_the_monthly_sample_is_reproducible() -> None:
    found = [uuid4() for _ in range(12)]
    month = Month.parse("2026-03")
    assert draw_sample(found, month, 7, 5) == draw_sample(list(reversed(found)), month, 7, 5)
    assert len(draw_sample(found, month, 7, 5)) == 5 and len(draw_sample(found[:3], month, 7, 5)) == 3
    assert month.bounds() == (datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 4, 1, tzinfo=timezone.utc))
