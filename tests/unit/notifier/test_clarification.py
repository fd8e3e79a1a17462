from referral_contracts import TriageOutcome
from notifier.domain import clarification_request

from event_factories import submitted, triaged


def decision(outcome: TriageOutcome, missing: list[str]):
    first = submitted()
    event = triaged(first, outcome=outcome, lead=None if outcome is TriageOutcome.CLARIFICATION_NEEDED else "cmh-east",
                    missing=missing)
    data = event.data.model_copy(update={"source_agency_id": "gp-north", "client_reference": "GPN-2026-0001"})
    return event.model_copy(update={"data": data})


def test_the_request_names_the_fields_and_the_deadline_but_no_personal_data() -> None:
    notice = clarification_request(decision(TriageOutcome.CLARIFICATION_NEEDED, ["person.contact.phone"]))
    assert "person.contact.phone" in notice.text and "GPN-2026-0001" in notice.subject
    assert "2026-03-02 17:00 UTC" in notice.text
    for personal in ("Jordan", "Example", "1990", "7700"):
        assert personal not in notice.text + notice.html + notice.subject


def test_an_urgent_referral_is_assigned_and_still_asked() -> None:
    notice = clarification_request(decision(TriageOutcome.ASSIGNED, ["medications"]))
    assert "assigned already" in notice.text


def test_nothing_missing_means_no_request() -> None:
    assert clarification_request(decision(TriageOutcome.ASSIGNED, [])) is None
