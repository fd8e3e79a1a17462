"""JSON Schema export of every released contract.

`python -m referral_contracts.schemas contracts/schemas` writes one file per contract and version.
Committed snapshots are the released schemas: a test compares them with the models, so an
incompatible change cannot slip out under an old version number.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from .changes import ReferralChanged
from .listings import AgencyDelisted, AgencyListed
from .events import RELEASED_EVENTS
from .milestones import MilestoneReport
from .outbound import OUTBOUND_EVENTS
from .referral import ReferralRequest

# Every event published on a shared topic: those tracking keeps in its log, and the state it
# publishes for the read side.
PUBLISHED_EVENTS = (*RELEASED_EVENTS, ReferralChanged, AgencyListed, AgencyDelisted)

# Inbound payloads are contracts too: agencies publish them to the inbound topics.
RELEASED_INBOUND: dict[str, tuple[type[BaseModel], int]] = {
    "referral-request": (ReferralRequest, 1),
    "milestone-report": (MilestoneReport, 1),
}


def released_schemas() -> dict[str, dict]:
    """Relative file name -> JSON Schema, for every released contract."""
    schemas = {
        # Events are described as they are written to a topic.
        f"events/{event.type_name()}.v{event.version()}.json": event.model_json_schema(mode="serialization")
        for event in PUBLISHED_EVENTS
    }
    # What agencies read back on their own outbound topics.
    schemas |= {f"outbound/{event.type_name()}.v{event.version()}.json": event.model_json_schema(mode="serialization")
                for event in OUTBOUND_EVENTS}
    for name, (model, version) in RELEASED_INBOUND.items():
        schemas[f"inbound/{name}.v{version}.json"] = model.model_json_schema()
    return schemas


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_all(target: Path) -> list[Path]:
    written = []
    for name, schema in released_schemas().items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(schema))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "contracts/schemas")):
        print(path)
