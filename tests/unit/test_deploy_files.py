"""What platform teams deploy, checked with real parsers so nothing in deploy/ rots unnoticed: the
Dockerfile (dockerfile-parse) and the Compose file (against the Compose specification's schema)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE, COMPOSE = ROOT / "deploy" / "docker" / "Dockerfile", ROOT / "deploy" / "docker" / "compose.yaml"
COMPOSE_SPEC = ROOT / ".cache" / "compose-spec" / "docker_compose-1.29.2-py2.py3-none-any.whl"
SERVICES = ("intake", "triage", "tracking", "notifier", "oversight")
SECRET_WORDS = re.compile(r"(PASSWORD|TOKEN|SECRET|KEY)\s*=\s*\S", re.IGNORECASE)


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    parser = DockerfileParser(fileobj=DOCKERFILE.open("rb"))
    return parser


def test_the_dockerfile_is_multi_stage_slim_non_root_and_checks_its_health(dockerfile) -> None:
    instructions = dockerfile.structure
    stages = [i for i in instructions if i["instruction"] == "FROM"]
    assert len(stages) >= 2 and all("slim" in s["value"] for s in stages if "uv" not in s["value"])
    final = instructions[instructions.index(stages[-1]):]
    users = [i["value"].split(":")[0] for i in final if i["instruction"] == "USER"]
    assert users and users[-1] not in ("0", "root")
    assert any(i["instruction"] == "HEALTHCHECK" and "/health" in i["value"] for i in final)
    assert any(i["instruction"] == "RUN" and "--no-dev" in i["value"] and "--package" in i["value"]
               for i in instructions)  # only the one service's dependencies
    for i in instructions:
        assert not SECRET_WORDS.search(i["value"]) or i["instruction"] not in ("ENV", "ARG"), i


def test_the_compose_file_follows_the_compose_specification() -> None:
    assert COMPOSE_SPEC.exists(), "run `make fetch` (it downloads the Compose specification's schema)"
    schema = json.loads(zipfile.ZipFile(COMPOSE_SPEC).read("compose/config/compose_spec.json"))
    document = yaml.safe_load(COMPOSE.read_text())
    jsonschema.Draft7Validator(schema).validate(document)  # the schema is draft-07
    services = document["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:") and services["mongo"]["image"].startswith("mongo:")
    for name in SERVICES:
        assert services[name]["build"]["args"]["SERVICE"] == name
        assert services[name]["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert all(port.startswith("127.0.0.1:") for port in services[name].get("ports", []))
        for variable, value in services[name]["environment"].items():  # secrets come from outside
            if re.search(r"PASSWORD|TOKEN", variable):
                assert str(value).startswith("${"), f"{name}: {variable} must come from the environment"
    assert document["secrets"]["api_keys"]["file"].startswith("./secrets/")
