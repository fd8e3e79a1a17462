"""The handoff package: the minimum dataset a referral must carry (DOMAIN.md, "Minimum dataset").

This is the body of `POST /v1/referrals` and of a record on the inbound topic, unchanged.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import ConfigDict, Field, field_validator, model_validator

from . import schema_rules
from .envelope import Contract, derived_id, utc_now

ShortText = Field(min_length=1, max_length=200)


class RiskFlag(StrEnum):
    SUICIDAL_IDEATION = "suicidal_ideation"
    SELF_HARM = "self_harm"
    SAFEGUARDING_CONCERN = "safeguarding_concern"
    RECENT_DISCHARGE = "recent_discharge"
    VIOLENCE_RISK = "violence_risk"
    SUBSTANCE_USE = "substance_use"


class ConsentStatus(StrEnum):
    GRANTED = "granted"
    LIMITED = "limited"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"  # was given, then taken back: takes effect at once
    UNKNOWN = "unknown"


class ContactMethod(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"


# Limited consent names its scope: at least one agency, or at least one data category.
_LIMITED_SCOPE = ("agencies", "data_categories")


def _scope_in_schema(schema: dict[str, Any]) -> None:
    """`Consent._limited_has_scope` in the JSON Schema: limited needs a non-empty scope list."""
    scoped = {"anyOf": [schema_rules.present_and_not_empty(name) for name in _LIMITED_SCOPE]}
    schema_rules.add_all_of(schema, [schema_rules.when("status", ConsentStatus.LIMITED.value, scoped)])


class Consent(Contract):
    model_config = ConfigDict(json_schema_extra=_scope_in_schema)

    status: ConsentStatus
    agencies: list[str] = Field(
        default_factory=list, description="With status limited: the agencies that may receive data."
    )
    data_categories: list[str] = Field(
        default_factory=list,
        description="With status limited: which kinds of data may be shared (see consent.DataCategory).",
    )

    @model_validator(mode="after")
    def _limited_has_scope(self) -> Consent:
        if self.status is ConsentStatus.LIMITED and not any(getattr(self, name) for name in _LIMITED_SCOPE):
            raise ValueError("limited consent needs a scope: agencies or data_categories")
        return self


# The contact detail each preferred method needs (in person needs none).
_CONTACT_DETAIL: dict[ContactMethod, str] = {
    ContactMethod.PHONE: "phone",
    ContactMethod.SMS: "phone",
    ContactMethod.EMAIL: "email",
    ContactMethod.LETTER: "address",
}


def _detail_in_schema(schema: dict[str, Any]) -> None:
    """`PersonContact._preferred_method_is_reachable` in the JSON Schema, from the same table."""
    schema_rules.add_all_of(schema, [
        schema_rules.when("preferred_method", method.value,
                          {"required": [detail], "properties": {detail: {"type": "string", "minLength": 1}}})
        for method, detail in _CONTACT_DETAIL.items()
    ])


class PersonContact(Contract):
    model_config = ConfigDict(json_schema_extra=_detail_in_schema)

    preferred_method: ContactMethod
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{6,20}$")
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    address: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _preferred_method_is_reachable(self) -> PersonContact:
        detail = _CONTACT_DETAIL.get(self.preferred_method)
        if detail is not None and not getattr(self, detail):
            raise ValueError(f"preferred_method {self.preferred_method.value} needs its contact detail")
        return self


class Person(Contract):
    identifier: str = Field(min_length=1, max_length=64, description="The sender's person identifier.")
    given_name: str = ShortText
    family_name: str = ShortText
    date_of_birth: date
    language: str = Field(default="en", min_length=2, max_length=35, description="BCP 47 language tag.")
    area: str = Field(min_length=1, max_length=64, description="Area code used for eligibility.")
    contact: PersonContact

    @field_validator("date_of_birth")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > utc_now().date():
            raise ValueError("date_of_birth is in the future")
        return value


class Referrer(Contract):
    name: str = ShortText
    role: str = ShortText
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{6,20}$")


TextList = list[str]


class ReferralRequest(Contract):
    """What a sending agency submits."""

    client_reference: str = Field(
        min_length=1, max_length=100,
        description="The sender's own reference. The same agency and reference always name the same referral.",
    )
    source_agency_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    referrer: Referrer
    person: Person
    service_type: str = Field(min_length=1, max_length=64, description="Kind of service sought.")
    presenting_needs: TextList = Field(min_length=1)
    risk_flags: list[RiskFlag] = Field(default_factory=list)
    protective_factors: TextList = Field(default_factory=list)
    recent_incidents: TextList = Field(default_factory=list)
    current_services: TextList = Field(default_factory=list)
    medications: TextList = Field(default_factory=list)
    immediate_safety_actions: TextList = Field(default_factory=list)
    funding_route: str = ShortText
    consent: Consent
    outcome_sought: str = Field(min_length=1, max_length=2000)


def referral_id_for(source_agency_id: str, client_reference: str) -> UUID:
    """The referral an agency's own reference names: one agency's reference always names one
    referral, so a resubmission is not a second one, and a sender can find its referral again."""
    return derived_id("referral", source_agency_id, client_reference)
