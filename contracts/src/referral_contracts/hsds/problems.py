"""Every problem in a directory, found in one run and named by file, row and column.

An error stops the directory being used (a service with no organization, an unknown status); a
warning is said and the directory is still used (a location of an organization the directory does
not list, as Open Referral's own example has: nothing the platform routes on depends on it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..configuration import ConfigurationProblem


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # CSV: the row number, the header being 1; JSON: None (the column is a path)
    column: str | None
    problem: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.file + (f" row {self.row}" if self.row is not None else "")
        where += f", {'column ' if self.row is not None else ''}{self.column}" if self.column else ""
        return f"{self.severity.value}: {where}: {self.problem}"


@dataclass
class Problems:
    found: list[Problem] = field(default_factory=list)

    def error(self, file: str, row: int | None, column: str | None, problem: str) -> None:
        self.found.append(Problem(file, row, column, problem))

    def warning(self, file: str, row: int | None, column: str | None, problem: str) -> None:
        self.found.append(Problem(file, row, column, problem, Severity.WARNING))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.found if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.found if p.severity is Severity.WARNING]


class DirectoryProblems(ConfigurationProblem):
    """A directory that cannot be used, with every problem found (errors and warnings alike)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source, self.problems = source, problems
        errors = sum(1 for p in problems if p.severity is Severity.ERROR)
        lines = [f"the directory at {source} cannot be used: {errors} error(s), "
                 f"{len(problems) - errors} warning(s)", *(f"  {p}" for p in problems)]
        super().__init__("\n".join(lines))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]
