"""Eligibility of a person for a directory service: age on the day, area and language."""

from datetime import date, datetime, timezone
from typing import Any

import pytest

from referral_contracts import TriageDecision
from referral_contracts.directory import Directory
from referral_contracts.policy import Policy
from triage.domain import age_on, language_matches, triage

from factories import agency_payload as agency
from factories import directory, person_payload, referral_request
from factories import service_payload as service

UTC = timezone.utc
MONDAY_11AM = datetime(2026, 6, 8, 10, 0, tzinfo=UTC)  # 11:00 BST on 8 June 2026
ADULTS = directory(agency("adults", service("a", eligibility={"min_age": 18, "max_age": 64})))


def decide(
    policy: Policy, the_directory: Directory, clock: datetime = MONDAY_11AM, **request: Any
) -> TriageDecision:
    return triage(referral_request(**request), directory=the_directory, policy=policy, clock_start=clock)


@pytest.mark.parametrize(
    ("born", "eligible"),
    [
        ("2008-06-08", True),   # 18th birthday is the clock-start day
        ("2008-06-09", False),  # 18 tomorrow
        ("1961-06-09", True),   # 65 tomorrow: still 64
        ("1961-06-08", False),  # 65 today
    ],
)
def test_age_limits_are_inclusive_and_exact_to_the_day(policy: Policy, born: str, eligible: bool) -> None:
    decision = decide(policy, ADULTS, person=person_payload(date_of_birth=born))
    assert (decision.lead_agency_id == "adults") is eligible


def test_age_is_taken_on_the_partnership_date_not_the_utc_date(policy: Policy) -> None:
    just_after_local_midnight = datetime(2026, 6, 7, 23, 30, tzinfo=UTC)  # 00:30 BST on 8 June
    decision = decide(
        policy, ADULTS, clock=just_after_local_midnight, person=person_payload(date_of_birth="2008-06-08")
    )
    assert decision.lead_agency_id == "adults"


@pytest.mark.parametrize(
    ("on", "age"),
    [(date(2026, 2, 28), 17), (date(2026, 3, 1), 18), (date(2028, 2, 28), 19), (date(2028, 2, 29), 20)],
)
def test_someone_born_on_29_february_ages_on_1_march_in_common_years(on: date, age: int) -> None:
    assert age_on(date(2008, 2, 29), on) == age


@pytest.mark.parametrize(
    ("on", "age"), [(date(2026, 4, 11), 35), (date(2026, 4, 12), 36), (date(2026, 12, 31), 36)]
)
def test_age_counts_completed_years(on: date, age: int) -> None:
    assert age_on(date(1990, 4, 12), on) == age


def test_reasons_name_the_rule_not_the_person(policy: Policy) -> None:
    too_young = decide(policy, ADULTS, person=person_payload(date_of_birth="2010-01-01"))
    too_old = decide(policy, ADULTS, person=person_payload(date_of_birth="1950-01-01"))
    assert "skipped adults/a: under the minimum age 18" in too_young.reasons
    assert "skipped adults/a: over the maximum age 64" in too_old.reasons


@pytest.mark.parametrize(("areas", "eligible"), [([], True), (["north", "east"], True), (["east"], False)])
def test_area_must_be_served_unless_the_service_serves_every_area(
    policy: Policy, areas: list[str], eligible: bool
) -> None:
    the_directory = directory(agency("local", service("l", eligibility={"areas": areas})))
    decision = decide(policy, the_directory)  # the example person lives in "north"
    assert (decision.lead_agency_id == "local") is eligible
    assert ("skipped local/l: area not served" in decision.reasons) is not eligible


@pytest.mark.parametrize(
    ("offered", "spoken", "eligible"),
    [([], "pl", True), (["en", "pl"], "pl", True), (["en"], "en-GB", True), (["pl"], "en", False)],
)
def test_language_must_be_offered_unless_the_service_offers_every_language(
    policy: Policy, offered: list[str], spoken: str, eligible: bool
) -> None:
    the_directory = directory(agency("local", service("l", eligibility={"languages": offered})))
    decision = decide(policy, the_directory, person=person_payload(language=spoken))
    assert (decision.lead_agency_id == "local") is eligible


@pytest.mark.parametrize(
    ("offered", "spoken", "matches"),
    [(["en"], "en-GB", True), (["EN"], "en", True), (["en-GB"], "en-gb", True),
     (["en-GB"], "en", False), (["en"], "eng", False), ([], "en", False)],
)
def test_language_ranges_follow_bcp47_basic_filtering(offered: list[str], spoken: str, matches: bool) -> None:
    assert language_matches(spoken, offered) is matches


def test_every_failed_rule_is_listed(policy: Policy) -> None:
    only_east_in_polish = {"areas": ["east"], "languages": ["pl"]}
    strict = directory(agency("strict", service("s", status="inactive", eligibility=only_east_in_polish)))
    decision = decide(policy, strict)
    expected = "skipped strict/s: service is inactive; area not served; language not offered (offers pl)"
    assert expected in decision.reasons
