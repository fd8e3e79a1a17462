"""Every moment in a contract is kept to the millisecond, in UTC: what the store keeps."""

from datetime import datetime, timedelta, timezone

from referral_contracts import TriageDecision, TriageOutcome


def test_a_deadline_with_microseconds_is_kept_to_the_millisecond_in_utc() -> None:
    start = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    decision = TriageDecision(outcome=TriageOutcome.UNASSIGNED, tier="routine", clock_started_at=start,
                              contact_deadline=start + timedelta(days=1), warm_handoff=False)
    assert decision.clock_started_at == datetime(2026, 3, 2, 8, 0, 0, 123000, tzinfo=timezone.utc)
    assert decision.contact_deadline.microsecond == 123000 and decision.contact_deadline.utcoffset() == timedelta(0)
