from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referral_contracts import Actor, MilestoneRecorded, ReferralSubmitted, derived_id
from referral_contracts.codec import Rejected, decode, encode, event_headers, event_key
from referral_contracts.milestones import Milestone

from factories import referral_request


def test_create_fills_the_envelope_and_normalises_time_to_utc() -> None:
    local = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    event = ReferralSubmitted.create(
        referral_id=uuid4(), correlation_id=uuid4(), actor=Actor(agency_id="gp-north", person="Dr A"),
        data=referral_request(), occurred_at=local,
    )
    assert event.event_type == "referral.submitted"
    assert event.schema_version == 1
    assert event.occurred_at == local and event.occurred_at.tzinfo == timezone.utc
    assert event_key(event) == str(event.referral_id).encode()
    assert event_headers(event)["correlation_id"] == str(event.correlation_id)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError):
        ReferralSubmitted.create(
            referral_id=uuid4(), correlation_id=uuid4(), actor=Actor(agency_id="gp-north"),
            data=referral_request(), occurred_at=datetime(2026, 3, 2, 9, 30),
        )


def test_round_trip_through_bytes() -> None:
    event = ReferralSubmitted.create(
        referral_id=uuid4(), correlation_id=uuid4(), actor=Actor(agency_id="gp-north"), data=referral_request()
    )
    assert decode(ReferralSubmitted, encode(event)) == event


def test_wrong_event_type_is_rejected_with_the_field_named() -> None:
    event = MilestoneRecorded.create(
        referral_id=uuid4(), correlation_id=uuid4(), actor=Actor(agency_id="cmh-east", person="Sam"),
        data=Milestone(kind="acknowledged", actor=Actor(agency_id="cmh-east", person="Sam")),
    )
    with pytest.raises(Rejected) as caught:
        decode(ReferralSubmitted, encode(event))
    assert "event_type" in caught.value.reason


def test_a_missing_field_is_named() -> None:
    with pytest.raises(Rejected) as caught:
        decode(Milestone, b'{"kind": "accepted", "actor": {"agency_id": "cmh-east", "person": "Sam"}}')
    assert "owner" in caught.value.reason


@given(st.binary(max_size=300))
def test_any_bytes_either_decode_or_are_rejected_with_a_reason(raw: bytes) -> None:
    try:
        decode(ReferralSubmitted, raw)
    except Rejected as rejected:
        assert rejected.reason


@given(st.lists(st.text(max_size=20), min_size=1, max_size=4))
def test_derived_ids_are_stable_and_distinct(parts: list[str]) -> None:
    assert derived_id(*parts) == derived_id(*parts)
    assert derived_id(*parts) != derived_id(*parts, "x")


@pytest.mark.parametrize("raw", [
    b"[" * 10_000 + b"]" * 10_000,  # deeper than the parser goes
    b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    b"\xff\xfe\xfd",
    b"",
    b'{"event_id": "' + b"x" * (1024 * 1024) + b'"}',  # larger than a record may be
])
def test_poison_is_rejected_with_a_reason_never_another_exception(raw: bytes) -> None:
    with pytest.raises(Rejected) as caught:
        decode(ReferralSubmitted, raw)
    assert caught.value.reason and caught.value.problems


def test_each_problem_is_named_by_its_field() -> None:
    with pytest.raises(Rejected) as caught:
        decode(Milestone, b'{"kind": "teleported", "actor": {"agency_id": "Not An Id"}}')
    fields = {field for field, _ in caught.value.problems}
    assert {"kind", "actor.agency_id"} <= fields
