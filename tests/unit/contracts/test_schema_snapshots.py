"""A released schema may not change: a change needs a new schema_version and a new snapshot."""

from pathlib import Path

import pytest

from referral_contracts.schemas import released_schemas, render

SNAPSHOTS = Path(__file__).resolve().parents[3] / "contracts" / "schemas"


@pytest.mark.parametrize("name", sorted(released_schemas()))
def test_released_schema_matches_its_snapshot(name: str) -> None:
    snapshot = SNAPSHOTS / name
    assert snapshot.exists(), f"{name} has no snapshot: run python -m referral_contracts.schemas"
    assert render(released_schemas()[name]) == snapshot.read_text(), (
        f"{name} changed. Released schemas are frozen: add a new schema_version instead."
    )


def test_every_snapshot_is_still_released() -> None:
    on_disk = {p.relative_to(SNAPSHOTS).as_posix() for p in SNAPSHOTS.rglob("*.json")}
    assert on_disk == set(released_schemas()), "a released schema disappeared"


def test_every_event_schema_carries_the_envelope() -> None:
    for name, schema in released_schemas().items():
        if name.startswith("events/"):
            required = set(schema["required"])
            key = ("agency_id" if name.startswith("events/directory.agency_") else
                   "service_id" if name.startswith("events/directory.") else "referral_id")
            assert {"event_id", "event_type", "schema_version", key, "correlation_id",
                    "actor", "occurred_at", "data"} <= required, name
