"""The partnership policy: the shared criteria the partners agreed, kept in one YAML file.

It says who is accountable while no lead is assigned; when the partnership works (its business
calendar); which risk flags and presenting needs set each acuity tier, how fast each tier must be
contacted and from which moment; which information a referral must carry; which capacity statuses
may still receive a referral of a tier; when an open referral's outcome counts as unknown; and the
escalation ladder. Triage and tracking read the same file with `load_policy`.
"""

from __future__ import annotations

import re
import types
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from .calendar import BusinessCalendar, PolicyModel, TimeStandard
from .configuration import ConfigurationProblem
from .directory import Capacity, LeadRole
from .escalations import FailedContactAction
from .tiers import AcuityTier
from .referral import ReferralRequest, RiskFlag

Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ClockStart(StrEnum):
    SUBMITTED = "submitted"  # when the platform received the referral (ReferralSubmitted.occurred_at)
    TRIAGED = "triaged"  # when triage decided


class TierPolicy(PolicyModel):
    risk_flags: list[RiskFlag] = Field(
        default_factory=list, description="Any of these flags puts a referral in this tier (highest tier wins)."
    )
    presenting_need_phrases: list[Phrase] = Field(
        default_factory=list,
        description="Any of these phrases within a presenting need (case-insensitive) puts a referral in this tier.",
    )
    standard: TimeStandard
    clock_starts_at: ClockStart
    interim_safety_actions: list[str] = Field(default_factory=list)
    accepted_capacity: list[Capacity] = Field(
        min_length=1, description="Capacity statuses that may still receive a referral of this tier."
    )
    review_within: TimeStandard | None = Field(
        default=None, description="Post-crisis review: held within this long of the clock's start, or escalated."
    )


def _field_alone(value: object) -> object:
    return {"field": value} if isinstance(value, str) else value  # `- medications` is `- field: medications`


class RequiredField(PolicyModel):
    field: str = Field(description="Dotted path into the referral, e.g. person.contact.phone.")
    tiers: list[AcuityTier] | None = Field(
        default=None, min_length=1, description="The tiers it is required for; absent: every tier."
    )

    @field_validator("field")
    @classmethod
    def _is_a_referral_field(cls, value: str) -> str:
        problem = _path_problem(ReferralRequest, value)
        if problem:
            raise ValueError(problem)
        return value

    def applies_to(self, tier: AcuityTier) -> bool:
        return self.tiers is None or tier in self.tiers


class FailedContactStep(PolicyModel):
    """What happens after a number of failed contact attempts, and which lead signs it off."""

    after: int = Field(ge=1, le=20, description="Failed contact attempts (in a row, by the current lead).")
    action: FailedContactAction
    signs_off: LeadRole = Field(description="Lead of the accountable agency who is told and signs it off.")
    guidance: str | None = Field(default=None, max_length=1000, description="e.g. the welfare-check criteria.")


class EscalationPolicy(PolicyModel):
    """The escalation ladders tracking runs."""

    reminder_at_fraction: float = Field(gt=0, lt=1, description="Remind the owner at this share of the window.")
    breach_notifies: LeadRole = Field(description="Lead of the accountable agency told of a breach.")
    partnership_lead_after_hours: int = Field(gt=0, description="Still open this long after a breach: partnership lead.")
    risk_flags_notify_immediately: LeadRole = Field(description="Lead told at once of a referral with risk flags.")
    review_overdue_notifies: LeadRole = Field(
        default=LeadRole.CLINICAL, description="Lead told when a post-crisis review was not held in time.")
    failed_contact_attempts: list[FailedContactStep] = Field(
        default_factory=list, description="The failed-attempt ladder, in order of attempts.")

    @field_validator("failed_contact_attempts")
    @classmethod
    def _in_order(cls, steps: list[FailedContactStep]) -> list[FailedContactStep]:
        counts = [step.after for step in steps]
        if counts != sorted(set(counts)):
            raise ValueError(f"steps must name strictly increasing attempt counts, got {counts}")
        return steps


class FollowThroughPolicy(PolicyModel):
    """After a consult, its advice must become action on shift: the sender updates the plan, then
    briefs the staff, each within its time; otherwise it escalates like any other clock."""

    plan_update_within: TimeStandard = Field(description="From the consult to the plan update.")
    staff_briefing_within: TimeStandard = Field(description="From the plan update to the staff briefing.")
    overdue_notifies: LeadRole = Field(description="Lead of the sending agency told when either is overdue.")


class QualityReviewPolicy(PolicyModel):
    """The monthly review of delayed or failed referrals: how many to sample, which causes to tag."""

    sample_size: int = Field(gt=0, le=500, description="Referrals drawn for review each month.")
    root_causes: list[Phrase] = Field(min_length=1, description="The tags reviewers choose from.")


class IssueLogPolicy(PolicyModel):
    repeated_crisis_within_days: int = Field(
        gt=0, description="A second crisis referral for the same person within this many days raises an issue.")


class Policy(PolicyModel):
    triage_desk_agency_id: str = Field(min_length=1, description="Accountable while no lead agency is assigned.")
    warm_handoff_flags: list[RiskFlag] = Field(
        default_factory=list, description="Flags for which the sender stays accountable until engagement."
    )
    calendar: BusinessCalendar
    tiers: dict[AcuityTier, TierPolicy]
    required_fields: list[Annotated[RequiredField, BeforeValidator(_field_alone)]] = Field(default_factory=list)
    unknown_outcome_after_days: int = Field(gt=0, description="Open with no activity this long: unknown outcome.")
    escalation: EscalationPolicy
    follow_through: FollowThroughPolicy | None = Field(default=None, description="Absent: no follow-through clocks.")
    quality_review: QualityReviewPolicy = Field(
        default_factory=lambda: QualityReviewPolicy(sample_size=10, root_causes=["other"]))
    issue_log: IssueLogPolicy = Field(default_factory=lambda: IssueLogPolicy(repeated_crisis_within_days=90))

    @model_validator(mode="after")
    def _tiers_are_complete_and_unambiguous(self) -> Policy:
        missing = [tier.value for tier in AcuityTier if tier not in self.tiers]
        if missing:
            raise ValueError(f"tiers: every acuity tier needs a policy; missing: {', '.join(missing)}")
        routine = self.tiers[AcuityTier.ROUTINE]
        if routine.risk_flags or routine.presenting_need_phrases:
            raise ValueError("tiers.routine: routine is the tier of referrals nothing raised; it lists no "
                             "risk_flags or presenting_need_phrases")
        _unambiguous("risk flag", {tier: [f.value for f in p.risk_flags] for tier, p in self.tiers.items()})
        _unambiguous("presenting need phrase",
                     {tier: [p.casefold() for p in tp.presenting_need_phrases] for tier, tp in self.tiers.items()})
        fields = [required.field for required in self.required_fields]
        repeated = sorted({f for f in fields if fields.count(f) > 1})
        if repeated:
            raise ValueError(f"required_fields: listed more than once: {', '.join(repeated)}")
        return self

    def tier(self, tier: AcuityTier) -> TierPolicy:
        return self.tiers[tier]

    def required_fields_for(self, tier: AcuityTier) -> list[str]:
        return [required.field for required in self.required_fields if required.applies_to(tier)]


class PolicyFileError(ConfigurationProblem):
    """The policy file cannot be read as a policy; the message names the file and every bad key."""


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file (YAML)."""
    path = Path(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_PolicyLoader)  # noqa: S506 - safe loader
    except yaml.YAMLError as error:
        raise PolicyFileError(f"policy file {path} is not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise PolicyFileError(f"policy file {path}: expected a mapping of keys at the top level")
    try:
        return Policy.model_validate(document)
    except ValidationError as error:
        problems = "\n".join(f"  {_location(e['loc'])}: {_message(e['msg'])}" for e in error.errors())
        raise PolicyFileError(f"policy file {path} is not a valid policy:\n{problems}") from error


def _unambiguous(what: str, listed: dict[AcuityTier, list[str]]) -> None:
    seen: dict[str, AcuityTier] = {}
    for tier, entries in listed.items():
        for entry in entries:
            if entry in seen and seen[entry] is not tier:
                raise ValueError(f"tiers: {what} {entry!r} is listed under both {seen[entry].value} and {tier.value}")
            seen[entry] = tier


def _path_problem(model: type[BaseModel], path: str) -> str | None:
    """Why `path` names no field of `model`, or None when it does."""
    current: type[BaseModel] | None = model
    walked: list[str] = []
    for name in path.split("."):
        if current is None:
            return f"{'.'.join(walked)} has no fields, so {path!r} names nothing in a referral"
        if name not in current.model_fields:
            where = ".".join(walked) or "a referral"
            return f"{where} has no field {name!r} (it has: {', '.join(current.model_fields)})"
        walked.append(name)
        current = _model_of(current.model_fields[name].annotation)
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):  # Optional[Model]
        return next((m for m in map(_model_of, get_args(annotation)) if m is not None), None)
    return None


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ")


class _PolicyLoader(yaml.SafeLoader):
    """A safe loader with YAML 1.2 scalars, so what a partnership writes is what it means: an
    unquoted `17:00` stays a time (YAML 1.1 reads the number 1020), and `NO` (Norway), `on` or `yes`
    stay strings instead of turning into booleans."""


_BOOL, _INT, _FLOAT = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_PolicyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PolicyLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_PolicyLoader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_PolicyLoader.add_implicit_resolver(
    _FLOAT, re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"), list("-+.0123456789")
)

# The partnership's other YAML files (the directory's extension) are read the same way.
Yaml12Loader = _PolicyLoader
