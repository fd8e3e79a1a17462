"""Who receives a closure notice: the originating agency's referral contacts, or a clear error."""

from __future__ import annotations

import pytest

from notifier.domain import NoReferralContact, UnknownAgency, closure_recipients

from factories import agency_payload, directory


def contact(email: str | None, role: str = "referral_contact") -> dict:
    return {"role": role, "name": "Team or person", "email": email}


def test_the_referral_contacts_of_the_originating_agency_receive_it() -> None:
    partners = directory(
        agency_payload("gp-north", leads=[contact("ops@gp.example", "operational"), contact("refs@gp.example")]),
        agency_payload("cmh-east", leads=[contact("refs@cmh.example")]),
    )
    assert closure_recipients(partners, "gp-north") == ["refs@gp.example"]


def test_every_contact_is_named_once_in_directory_order() -> None:
    partners = directory(agency_payload("gp-north", leads=[
        contact("b@gp.example"), contact("a@gp.example"), contact(" b@gp.example "), contact(None),
    ]))
    assert closure_recipients(partners, "gp-north") == ["b@gp.example", "a@gp.example"]


def test_an_agency_missing_from_the_directory_is_an_error() -> None:
    with pytest.raises(UnknownAgency, match="gp-south"):
        closure_recipients(directory(agency_payload("gp-north")), "gp-south")


@pytest.mark.parametrize("leads", [[], [contact("ops@gp.example", "operational")], [contact(None)]],
                         ids=["no leads", "no referral contact", "contact without email"])
def test_an_agency_without_a_reachable_referral_contact_is_an_error(leads: list) -> None:
    with pytest.raises(NoReferralContact, match="gp-north"):
        closure_recipients(directory(agency_payload("gp-north", leads=leads)), "gp-north")
