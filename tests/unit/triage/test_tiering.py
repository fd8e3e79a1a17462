"""The criteria checklist: risk flags and presenting-need phrases set the tier; the highest wins."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referral_contracts import AcuityTier
from referral_contracts.policy import Policy
from triage.domain import acuity_tier

from factories import referral_request


def tier_of(policy: Policy, **request: Any) -> AcuityTier:
    return acuity_tier(referral_request(**request), policy).tier


@pytest.mark.parametrize(
    ("needs", "tier"),
    [
        (["low mood"], AcuityTier.ROUTINE),
        (["has had THOUGHTS OF ENDING it all"], AcuityTier.URGENT),
        (["low mood", "describes a plan to harm a neighbour"], AcuityTier.URGENT),
        (["thoughts\nof   ending"], AcuityTier.URGENT),  # spacing is not meaning
        (["Discharged from hospital on Friday"], AcuityTier.CRISIS_FOLLOW_UP),
        (["struggling after a crisis last month"], AcuityTier.CRISIS_FOLLOW_UP),
        (["after a crisis", "thoughts of ending"], AcuityTier.URGENT),  # highest wins
        (["thoughts of endings"], AcuityTier.URGENT),  # found inside longer text
        (["thoughts of end"], AcuityTier.ROUTINE),  # but the whole phrase must be there
        (["thoughts", "of ending"], AcuityTier.ROUTINE),  # within one entry, not across entries
    ],
)
def test_presenting_need_phrases_raise_the_tier(policy: Policy, needs: list[str], tier: AcuityTier) -> None:
    assert tier_of(policy, presenting_needs=needs) is tier


def test_a_phrase_outranks_a_lower_flag_and_a_flag_a_lower_phrase(policy: Policy) -> None:
    assert tier_of(policy, risk_flags=["substance_use"], presenting_needs=["after a crisis"]) is AcuityTier.CRISIS_FOLLOW_UP
    assert tier_of(policy, risk_flags=["self_harm"], presenting_needs=["after a crisis"]) is AcuityTier.URGENT


def test_the_reason_names_the_flags_and_the_configured_phrase_only(policy: Policy) -> None:
    basis = acuity_tier(referral_request(
        risk_flags=["self_harm"], presenting_needs=["Jordan said: Thoughts Of Ending it, at the bridge"]
    ), policy)
    assert basis.reason() == 'tier urgent: risk flags self_harm; presenting needs mention "thoughts of ending"'


def test_nothing_raised_is_routine_and_says_so(policy: Policy) -> None:
    basis = acuity_tier(referral_request(), policy)
    assert basis.tier is AcuityTier.ROUTINE
    assert basis.reason() == "tier routine: no risk flag or presenting need raises the tier"


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30)


@given(before=words, after=words, phrase=st.sampled_from(["thoughts of ending", "plan to harm",
                                                          "discharged from hospital", "after a crisis"]))
def test_the_persons_words_around_a_phrase_never_reach_the_reason(
    policy: Policy, before: str, after: str, phrase: str
) -> None:
    need = f"QQ{before}{phrase.upper()}{after}ZZ"
    basis = acuity_tier(referral_request(presenting_needs=[need]), policy)
    assert basis.tier in (AcuityTier.URGENT, AcuityTier.CRISIS_FOLLOW_UP)
    reason = basis.reason()
    assert f'"{phrase}"' in reason
    assert "QQ" not in reason and "ZZ" not in reason and phrase.upper() not in reason
