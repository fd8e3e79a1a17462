"""Each access rule, once, for every role: oversight, the triage desk, the sender, the lead before,
the lead now, the agency offered it and an unrelated agency (the e2e walk holds the routes to them)."""

from __future__ import annotations

import pytest

from referral_contracts import Consent
from service_kit.access import (
    partnership_wide,
    refusal_to_act_as,
    refusal_to_change_capacity,
    refusal_to_send_as,
)
from service_kit.auth import Principal, Role
from tracking.lifecycle.access import (
    has_part,
    may_read,
    refusal_of_package,
    refusal_to_act,
)
from tracking.outgoing.closure import reroute_request
from tracking.lifecycle.fold import fold

from event_factories import milestone, submitted, triaged

OVERSIGHT = Principal("partnership-oversight", frozenset({Role.OVERSIGHT}), "k1")
DESK = Principal("triage-desk", frozenset({Role.AGENCY, Role.TRIAGE_DESK}), "k2")


def agency(agency_id: str) -> Principal:
    return Principal.agency(agency_id)


def redirected(*, accepted_by_next: bool):
    """gp-north's referral, led by cmh-east, redirected and offered to talking-therapies."""
    first = submitted()
    rid = first.referral_id
    events = [first, triaged(first), milestone(rid, "accepted", 10), milestone(rid, "redirect_requested", 20)]
    events += [triaged(first, 25, lead="talking-therapies", reroute_of=reroute_request(fold(events), events).event_id)]
    if accepted_by_next:
        events += [milestone(rid, "accepted", 30, agency="talking-therapies", person="Ana Ruiz")]
    return fold(events)


# role: (caller, referral accepted by the next lead?) -> read, act, package
TABLE = {
    "oversight": (OVERSIGHT, True, True, False, False),
    "triage desk": (DESK, True, True, False, False),
    "sender": (agency("gp-north"), True, True, True, True),
    "lead before": (agency("cmh-east"), True, True, True, True),
    "lead now": (agency("talking-therapies"), True, True, True, True),
    "offered": (agency("talking-therapies"), False, True, True, True),
    "unrelated": (agency("housing-support"), True, False, False, False),
}


@pytest.mark.parametrize("role", sorted(TABLE))
def test_who_reads_acts_on_and_reads_the_package_of_a_referral(role: str) -> None:
    caller, accepted, reads, acts, reads_package = TABLE[role]
    view = redirected(accepted_by_next=accepted)
    assert may_read(view, caller) is reads
    if reads:  # acting and the package are asked only of those who may read the referral at all
        assert (refusal_to_act(view, caller) is None) is acts
        assert (refusal_of_package(view, caller) is None) is reads_package
    if not acts and reads:
        assert caller.agency_id in refusal_to_act(view, caller)


def test_the_states_of_a_part_are_as_named() -> None:
    offered, led = redirected(accepted_by_next=False), redirected(accepted_by_next=True)
    assert offered.pending_lead_agency_id == "talking-therapies" and offered.lead_agency_id == "cmh-east"
    assert led.lead_agency_id == "talking-therapies" and led.previous_leads == ["cmh-east"]
    assert not has_part(led, "triage-desk") and not has_part(led, "housing-support")


def test_the_package_follows_consent_except_for_the_sender() -> None:
    view = redirected(accepted_by_next=True).model_copy(update={"consent": Consent(status="withdrawn")})
    assert refusal_of_package(view, agency("gp-north")) is None
    assert refusal_of_package(view, agency("talking-therapies")) == \
        "consent (withdrawn) does not allow sharing the package with talking-therapies"
    assert "never the person" in refusal_of_package(view, OVERSIGHT)


def test_the_partnership_wide_roles_are_oversight_and_the_triage_desk() -> None:
    assert partnership_wide(OVERSIGHT) and partnership_wide(DESK) and not partnership_wide(agency("gp-north"))


def test_an_agency_acts_and_sends_only_as_itself_and_oversight_acts_on_nothing() -> None:
    assert refusal_to_act_as(agency("gp-north"), "gp-north") is None
    assert refusal_to_act_as(agency("gp-north"), "cmh-east") == \
        "actor.agency_id: a key of gp-north acts only as gp-north"
    assert "only an agency's key acts" in refusal_to_act_as(OVERSIGHT, OVERSIGHT.agency_id)
    assert refusal_to_send_as(agency("gp-north"), "gp-north") is None
    assert refusal_to_send_as(DESK, "gp-north") == "source_agency_id: a key of triage-desk sends only its own referrals"
    assert "only an agency's key sends" in refusal_to_send_as(OVERSIGHT, OVERSIGHT.agency_id)


def test_capacity_is_changed_by_its_own_agency_or_the_triage_desk() -> None:
    assert refusal_to_change_capacity(agency("cmh-east"), "cmh-east") is None
    assert refusal_to_change_capacity(DESK, "cmh-east") is None
    assert "changes only its own agency's capacity" in refusal_to_change_capacity(agency("gp-north"), "cmh-east")
