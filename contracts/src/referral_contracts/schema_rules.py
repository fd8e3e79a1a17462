"""Conditional requirements, written into the published JSON Schemas from the tables the model
validators enforce, so an agency's own JSON Schema validator refuses what the platform refuses.

A model validator checks a value is not None, and a serialized event writes every field, absent
ones as null; so each rule requires the field and also forbids null (`{"not": {"type": "null"}}`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

JsonDict = dict[str, Any]


def present(fields: Iterable[str]) -> JsonDict:
    """A schema requiring each field, with a value other than null."""
    names = list(fields)
    return {"required": names, "properties": {name: {"not": {"type": "null"}} for name in names}}


def present_and_not_empty(field: str) -> JsonDict:
    """A schema requiring a list field with at least one item."""
    return {"required": [field], "properties": {field: {"type": "array", "minItems": 1}}}


def when(field: str, value: str, then: JsonDict) -> JsonDict:
    """`if field == value then ...` (the field itself required in `if`, so a missing field does
    not count as matching)."""
    return {"if": {"required": [field], "properties": {field: {"const": value}}}, "then": then}


def add_all_of(schema: JsonDict, rules: Iterable[JsonDict]) -> None:
    """Append rules to the schema's `allOf`, keeping any already there."""
    schema["allOf"] = [*schema.get("allOf", ()), *rules]


def per_value(field: str, required: Mapping[Any, Iterable[str]]) -> list[JsonDict]:
    """For each value of `field` (an enumeration member or a string), the fields that value requires:
    one `if`/`then`/`else` chain (if kind is A then ... else if kind is B then ...). A chain, not a
    flat list of `if`/`then`: the values exclude one another, and generators that expand each
    `if` into two branches (schemathesis) can follow a chain but not 2^n branches."""
    chain: JsonDict | None = None
    for value, fields in reversed(list(required.items())):
        rule = when(field, getattr(value, "value", value), present(fields))
        chain = rule | ({"else": chain} if chain is not None else {})
    return [chain] if chain is not None else []
