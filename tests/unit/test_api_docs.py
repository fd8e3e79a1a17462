"""The committed AsyncAPI and OpenAPI documents (docs/api/) are what the code generates now:
CI fails when a contract or route changed and `make docs` was not run."""

from __future__ import annotations

from devstack.apidocs import documents
from devstack.paths import repo_root


def test_the_committed_api_documents_are_not_stale() -> None:
    folder = repo_root() / "docs" / "api"
    generated = documents()
    stale = [name for name, text in generated.items()
             if not (folder / name).exists() or (folder / name).read_text(encoding="utf-8") != text]
    assert stale == [], f"stale API documents {stale}: run `make docs` and commit docs/api/"
    assert sorted(p.name for p in folder.glob("*.json")) == sorted(generated)
