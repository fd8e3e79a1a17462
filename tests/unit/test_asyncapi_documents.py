"""The AsyncAPI documents (docs/api/*.asyncapi.json) are valid by the AsyncAPI Initiative's own parser
(`tools/asyncapi/validate.mjs`, installed by `make fetch` / `make unit`), and they say what the
contracts say: each payload is the published JSON Schema, each event's headers name its type,
and each side may do what the topology table lets it do."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devstack.asyncapi import AGENCY, address
from devstack.paths import repo_root
from referral_contracts import catalog, codec, topics
from referral_contracts.schemas import PUBLISHED_EVENTS
from referral_contracts.outbound import OUTBOUND_EVENTS
from referral_contracts.schemas import RELEASED_INBOUND
from referral_contracts.topology import SERVICE_NAMES, agency_use, service_use

ROOT = repo_root()
DOCS = ROOT / "docs" / "api"
VALIDATOR = ROOT / "tools" / "asyncapi"
DOCUMENTS = sorted(DOCS.glob("*.asyncapi.json"))


def validate(*files: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node (18+) is needed to validate the AsyncAPI documents"
    if not (VALIDATOR / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail("the AsyncAPI parser is not installed: run `make fetch` (npm ci in tools/asyncapi)")
    return subprocess.run([node, str(VALIDATOR / "validate.mjs"), *map(str, files)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def load(name: str) -> dict[str, Any]:
    return json.loads((DOCS / name).read_text())


def test_the_agency_and_platform_documents_are_there() -> None:
    assert [p.name for p in DOCUMENTS] == ["agency.asyncapi.json", "platform.asyncapi.json"]


def test_every_document_is_valid_by_the_asyncapi_parser() -> None:
    result = validate(*DOCUMENTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(f"{p}: valid" in result.stdout for p in map(str, DOCUMENTS)), result.stdout


def test_the_parser_refuses_a_dangling_reference_and_says_where(tmp_path: Path) -> None:
    broken = load("agency.asyncapi.json")
    broken["components"]["messages"]["referral-request.v1"]["payload"] = {"$ref": "#/components/schemas/Nowhere"}
    target = tmp_path / "agency.asyncapi.json"
    target.write_text(json.dumps(broken))
    result = validate(target)
    assert result.returncode == 1, result.stdout
    assert "error invalid-ref" in result.stdout and "#/components/schemas/Nowhere" in result.stdout


def test_the_parser_refuses_an_operation_on_a_message_its_channel_does_not_carry(tmp_path: Path) -> None:
    broken = load("agency.asyncapi.json")
    sending = broken["operations"]["send.referrals.inbound.v1.agencyId"]
    sending["messages"].append({"$ref": "#/channels/referrals.outbound.v1.agencyId/messages/referral.update.v1"})
    target = tmp_path / "agency.asyncapi.json"
    target.write_text(json.dumps(broken))
    result = validate(target)
    assert result.returncode == 1 and "error" in result.stdout, result.stdout


def inline(schema: Any, lookup: dict[str, Any], depth: int = 0) -> Any:
    """`schema` with every local `$ref` replaced by what it points at (siblings kept)."""
    assert depth < 50, "a recursive schema: compare it another way"
    if isinstance(schema, list):
        return [inline(item, lookup, depth) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return inline(lookup[schema["$ref"].rsplit("/", 1)[1]], lookup, depth + 1) | inline(rest, lookup, depth)
    return {k: inline(v, lookup, depth) for k, v in schema.items() if k != "$defs"}


@pytest.mark.parametrize("name", ["agency.asyncapi.json", "platform.asyncapi.json"])
def test_each_payload_is_the_published_json_schema(name: str) -> None:
    document = load(name)
    components = document["components"]["schemas"]
    for message in document["components"]["messages"].values():
        if message["name"] == "dead-letter":
            continue
        published = json.loads((ROOT / message["description"].split("`")[1]).read_text())
        assert inline(message["payload"], components) == inline(published, published.get("$defs", {})), message["name"]


def test_each_event_names_its_type_and_version_in_the_headers_and_is_keyed_by_referral() -> None:
    for name in ("agency.asyncapi.json", "platform.asyncapi.json"):
        for message in load(name)["components"]["messages"].values():
            if message["headers"].get("required") != [codec.HEADER_EVENT_TYPE, codec.HEADER_SCHEMA_VERSION,
                                                      codec.HEADER_CORRELATION_ID, codec.HEADER_CONTENT_TYPE]:
                continue  # inbound records and dead letters have no envelope
            event_type, version = message["name"].rsplit(".v", 1)
            headers = message["headers"]["properties"]
            assert headers[codec.HEADER_EVENT_TYPE]["const"] == event_type
            assert headers[codec.HEADER_SCHEMA_VERSION]["const"] == version
            assert headers[codec.HEADER_CONTENT_TYPE]["const"] == codec.JSON
            assert "traceparent" in headers and "traceparent" not in message["headers"]["required"]
            assert message["correlationId"] == {"$ref": "#/components/correlationIds/correlation_id"}


def operations_of(document: dict[str, Any], prefix: str = "") -> set[tuple[str, str]]:
    return {(op["action"], document["channels"][op["channel"]["$ref"].rsplit("/", 1)[1]]["address"])
            for key, op in document["operations"].items() if key.startswith(prefix)}


def test_an_agency_sends_and_receives_exactly_what_its_acls_allow() -> None:
    use = agency_use(AGENCY)
    expected = {("send", address(t)) for t in use.writes} | {("receive", address(t)) for t in use.reads}
    document = load("agency.asyncapi.json")
    assert operations_of(document) == expected
    assert document["servers"]["partnership"]["security"] == [{"$ref": "#/components/securitySchemes/scramSha512"}]
    assert document["components"]["securitySchemes"]["scramSha512"]["type"] == "scramSha512"
    (receive,) = [op for op in document["operations"].values() if op["action"] == "receive"]
    assert receive["bindings"]["kafka"]["groupId"]["pattern"] == r"^[a-z0-9][a-z0-9-]*\."


def test_each_service_sends_and_receives_what_the_topology_table_says() -> None:
    document = load("platform.asyncapi.json")
    for service in SERVICE_NAMES:
        use = service_use(service, [AGENCY])
        expected = {("send", address(t)) for t in use.writes} | {("receive", address(t)) for t in use.reads}
        assert operations_of(document, f"{service}.") == expected, service


def test_the_platform_document_has_every_shared_topic() -> None:
    addresses = {channel["address"] for channel in load("platform.asyncapi.json")["channels"].values()}
    assert set(catalog.SHARED) <= addresses
    assert {name + "." + AGENCY for name in catalog.PER_AGENCY} <= addresses
    assert topics.dead_letter_topic(topics.referrals_inbound(AGENCY)) in addresses


def test_every_released_contract_is_on_some_topic() -> None:
    carried = {m for models in (*catalog.SHARED.values(), *catalog.PER_AGENCY.values()) for m in models}
    assert carried == {*PUBLISHED_EVENTS, *OUTBOUND_EVENTS, *(model for model, _ in RELEASED_INBOUND.values())}
    assert catalog.family(topics.referrals_outbound("gp-north")) == topics.REFERRALS_OUTBOUND
    assert catalog.family(topics.dead_letter_topic(topics.referrals_inbound("gp-north"))) is None
