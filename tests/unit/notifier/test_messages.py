"""The closure notice says what closed, how, by whom and when, and nothing about the person."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from notifier.domain import EMAIL, closure_notice, compose_email, message_id
from referral_contracts import ReferralClosed

from event_factories import closed
from factories import agency_payload, directory, referral_payload

PARTNERS = directory(agency_payload("gp-north"), agency_payload("cmh-east", name="East Community Mental Health Team"))


def with_closed_at(event: ReferralClosed, closed_at: datetime) -> ReferralClosed:
    return event.model_copy(update={"data": event.data.model_copy(update={"closed_at": closed_at})})


def test_the_notice_names_the_referral_outcome_closing_agency_and_time() -> None:
    event = closed(outcome="declined", client_reference="GPN-2026-0042")
    notice = closure_notice(event, PARTNERS)
    for part in (notice.text, notice.html):
        assert "GPN-2026-0042" in part
        assert str(event.referral_id) in part
        assert "declined" in part
        assert "East Community Mental Health Team" in part
        assert "2026-03-02 09:30 UTC" in part
    assert "GPN-2026-0042" in notice.subject and "declined" in notice.subject


def test_the_notice_carries_no_personal_or_clinical_detail() -> None:
    payload = referral_payload()
    person = payload["person"]
    never = [person["given_name"], person["family_name"], person["date_of_birth"], person["identifier"],
             person["contact"]["phone"], payload["referrer"]["name"], payload["referrer"]["phone"],
             *payload["presenting_needs"], *payload["medications"], *payload["protective_factors"]]
    notice = closure_notice(closed(client_reference=payload["client_reference"]), PARTNERS)
    for part in (notice.subject, notice.text, notice.html):
        for detail in never:
            assert detail not in part


def test_the_html_part_escapes_directory_text_and_the_text_part_does_not() -> None:
    odd = directory(agency_payload("gp-north"), agency_payload("cmh-east", name="Smith & <b>Jones</b>"))
    notice = closure_notice(closed(), odd)
    assert "Smith &amp; &lt;b&gt;Jones&lt;/b&gt;" in notice.html and "<b>" not in notice.html
    assert "Smith & <b>Jones</b>" in notice.text


def test_the_closed_at_time_is_shown_in_utc_whatever_it_came_in() -> None:
    plus_two = timezone(timedelta(hours=2))
    aware = closure_notice(with_closed_at(closed(), datetime(2026, 3, 2, 11, 30, tzinfo=plus_two)), PARTNERS)
    naive = closure_notice(with_closed_at(closed(), datetime(2026, 3, 2, 9, 30)), PARTNERS)
    assert "2026-03-02 09:30 UTC" in aware.text and "2026-03-02 09:30 UTC" in naive.text


def test_a_closing_agency_missing_from_the_directory_is_named_by_its_id() -> None:
    notice = closure_notice(closed(closing="outreach-west"), PARTNERS)
    assert "outreach-west" in notice.text


def test_a_line_break_in_the_reference_cannot_break_the_subject_header() -> None:
    notice = closure_notice(closed(client_reference="GPN-1\r\nBcc: someone@else.example"), PARTNERS)
    assert "\n" not in notice.subject and "\r" not in notice.subject


def test_the_message_id_is_the_same_for_the_same_delivery_only() -> None:
    event_id = uuid4()
    first = message_id(event_id, EMAIL, "refs@gp.example")
    assert first == message_id(event_id, EMAIL, "refs@gp.example") == message_id(event_id, EMAIL, "Refs@GP.example")
    assert first.startswith(f"<{event_id}.email.") and first.endswith("@closed-loop-referrals>")
    assert first != message_id(event_id, EMAIL, "other@gp.example")
    assert first != message_id(uuid4(), EMAIL, "refs@gp.example")


def test_the_email_has_the_headers_and_both_parts() -> None:
    notice = closure_notice(closed(), PARTNERS)
    sent_at = datetime(2026, 3, 2, 9, 31, tzinfo=timezone.utc)
    email = compose_email(notice, sender="platform@x.example", recipient="refs@gp.example",
                          message_id="<id@closed-loop-referrals>", sent_at=sent_at)
    assert (email["From"], email["To"], email["Subject"]) == ("platform@x.example", "refs@gp.example", notice.subject)
    assert email["Message-ID"] == "<id@closed-loop-referrals>"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email.get_body(("plain",)).get_content() == notice.text
    assert email.get_body(("html",)).get_content() == notice.html


@pytest.mark.parametrize("outcome", ["engaged", "declined", "redirected", "escalated", "withdrawn"])
def test_every_outcome_has_a_notice(outcome: str) -> None:
    assert outcome in closure_notice(closed(outcome=outcome), PARTNERS).text


def test_the_outcome_is_withheld_when_consent_does_not_allow_it() -> None:
    from referral_contracts.directory import Directory
    from notifier.domain.messages import closure_notice
    from event_factories import closed

    directory = Directory(agencies=[])
    shared = closure_notice(closed(outcome="declined", consent="granted"), directory)
    withheld = closure_notice(closed(outcome="declined", consent="withdrawn"), directory)
    assert "declined" in shared.text and "declined" in shared.subject
    assert "declined" not in withheld.text + withheld.subject + withheld.html
    assert "consent does not allow" in withheld.text
