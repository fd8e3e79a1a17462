"""`python -m devstack.apidocs [folder]`: the AsyncAPI document (FastStream) and the OpenAPI
document (FastAPI) of each service, written as JSON under docs/api/. A test regenerates them and
fails when the committed ones are stale (`make docs` rewrites them)."""

from __future__ import annotations

import json
import sys
from importlib import import_module
from pathlib import Path

from faststream.specification import AsyncAPI

from .paths import demo_file, repo_root

SERVICES = ("intake", "triage", "tracking", "notifier")
# Fixed settings, so the documents do not depend on the machine that generates them.
DOC_ENV = {"kafka_bootstrap_servers": "kafka:9092", "mongodb_url": "mongodb://mongodb:27017/"}


def documents() -> dict[str, str]:
    """File name -> JSON text, for every service."""
    found: dict[str, str] = {}
    for name in SERVICES:
        settings_type = import_module(f"{name}.config").Settings
        wanted = {**DOC_ENV, "directory_path": str(demo_file("hsds")), "policy_path": str(demo_file("policy.yaml"))}
        settings = settings_type(**{k: v for k, v in wanted.items() if k in settings_type.model_fields})
        app = import_module(f"{name}.entrypoints.app").create_app(settings)
        asyncapi = AsyncAPI(app.state.broker, title=f"Referral {name}", version=app.version,
                            description=f"The Kafka topics the {name} service consumes.")
        found[f"{name}.asyncapi.json"] = _pretty(json.loads(asyncapi.to_specification().to_json()))
        found[f"{name}.openapi.json"] = _pretty(app.openapi())
    return found


def _pretty(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    folder = Path((argv or sys.argv[1:] or [str(repo_root() / "docs" / "api")])[0])
    folder.mkdir(parents=True, exist_ok=True)
    for file, text in documents().items():
        (folder / file).write_text(text, encoding="utf-8")
        print(folder / file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
