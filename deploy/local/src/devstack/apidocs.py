"""`python -m devstack.apidocs [folder]`: the API documents under docs/api/, as JSON:

- the AsyncAPI 3.0 documents written from the contracts (devstack.asyncapi): the agency's topics
  and the platform's, validated by the AsyncAPI parser (`tools/asyncapi/validate.mjs`);
- the OpenAPI document (FastAPI) of each service.

A test regenerates them and fails when the committed ones are stale (`make docs` rewrites them).
"""

from __future__ import annotations

import json
import sys
from importlib import import_module
from pathlib import Path

from .asyncapi import DOCUMENTS as ASYNCAPI_DOCUMENTS
from .paths import demo_file, repo_root
from .services import SERVICE_NAMES, app_module

# Fixed settings, so the documents do not depend on the machine that generates them.
DOC_ENV = {"kafka_bootstrap_servers": "kafka:9092", "mongodb_url": "mongodb://mongodb:27017/"}


def documents() -> dict[str, str]:
    """File name -> JSON text: the AsyncAPI documents, then every service's OpenAPI document."""
    found = {name: _pretty(build()) for name, build in ASYNCAPI_DOCUMENTS.items()}
    for name in SERVICE_NAMES:
        settings_type = import_module(f"{name}.config").Settings
        wanted = {**DOC_ENV, "directory_path": str(demo_file("hsds")), "policy_path": str(demo_file("policy.yaml"))}
        settings = settings_type(**{k: v for k, v in wanted.items() if k in settings_type.model_fields})
        app = import_module(app_module(name)).create_app(settings)
        found[f"{name}.openapi.json"] = _pretty(app.openapi())
    return found


def _pretty(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    folder = Path((argv or sys.argv[1:] or [str(repo_root() / "docs" / "api")])[0])
    folder.mkdir(parents=True, exist_ok=True)
    generated = documents()
    for file, text in generated.items():
        (folder / file).write_text(text, encoding="utf-8")
        print(folder / file)
    # A document no longer generated (a service's FastStream AsyncAPI document, say) would be stale.
    for old in sorted(set(p.name for p in folder.glob("*.json")) - set(generated)):
        (folder / old).unlink()
        print(f"removed {folder / old}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
