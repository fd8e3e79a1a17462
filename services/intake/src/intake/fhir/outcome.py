"""Refusals as FHIR: an OperationOutcome with one issue per problem, each naming where it is as a
FHIRPath expression into what was sent. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    expression: str | None  # where, e.g. "Bundle.entry[0].resource.birthDate"; None: not in the FHIR sent
    text: str  # what is wrong: the rule, never the person's data
    code: str = "invalid"  # OperationOutcome.issue.code (http://hl7.org/fhir/issue-type)


def operation_outcome(problems: list[Problem]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [_issue(p) for p in problems]}


def _issue(problem: Problem) -> dict[str, Any]:
    issue = {"severity": "error", "code": problem.code, "details": {"text": problem.text}}
    return issue | ({"expression": [problem.expression]} if problem.expression else {})


def fhir_path(base: str, loc: tuple[Any, ...]) -> str:
    """A pydantic error location under `base` as FHIRPath: ('name', 0, 'given') -> base.name[0].given."""
    path = base
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path
