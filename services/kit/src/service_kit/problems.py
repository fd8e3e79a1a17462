"""How every HTTP API answers a request it will not serve: `{"detail": "..."}` naming the field or
the rule (never personal data), documented per status so clients and the API fuzzing test can hold
the services to it."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field


class Problem(BaseModel):
    detail: str = Field(description="What is wrong: the field or the rule, never personal data.")


UNAUTHENTICATED = {401: "no valid API key: missing, unknown, forged or expired"}
UNREADABLE_BODY = {400: "the body could not be read (e.g. not UTF-8)"}


def answers(extra: dict[int, str] | None = None, *, body: bool = False) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router or route: 401, 400 for a route that reads a body, plus `extra`,
    each a Problem."""
    codes = {**UNAUTHENTICATED, **(UNREADABLE_BODY if body else {}), **(extra or {})}
    return {code: {"model": Problem, "description": text} for code, text in codes.items()}


def invalid(field: str, message: str) -> RequestValidationError:
    """A 422 for a rule the body's model cannot check itself, shaped like every other (FastAPI's),
    naming the field."""
    return RequestValidationError([{"type": "value_error", "loc": ("body", field), "msg": message, "input": None}])
