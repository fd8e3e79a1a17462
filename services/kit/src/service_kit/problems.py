"""How every HTTP API answers a request it will not serve: `{"detail": "..."}` naming the field or
the rule (never personal data), documented per status so clients and the API fuzzing test can hold
the services to it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    detail: str = Field(description="What is wrong: the field or the rule, never personal data.")


COMMON = {
    400: "the body is not JSON",
    401: "no valid API key: missing, unknown, forged or expired",
}


def answers(extra: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router or route: the common refusals plus `extra`, each a Problem."""
    return {code: {"model": Problem, "description": text} for code, text in {**COMMON, **(extra or {})}.items()}
