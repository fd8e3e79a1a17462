"""The Kubernetes manifests (deploy/k8s) are current and decode strictly into the official API
types: a small Go program (deploy/k8s/check) using k8s.io/api, built here from the Go module proxy."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from referral_ops.manifests import manifests

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


@pytest.fixture(scope="module")
def checker(tmp_path_factory) -> Path:
    binary = tmp_path_factory.mktemp("k8s-check") / "check"
    built = subprocess.run(["go", "build", "-o", str(binary), "."], cwd=K8S / "check", capture_output=True,
                           text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    return binary


def test_the_committed_manifests_are_current() -> None:
    generated = manifests(ROOT / "deploy" / "demo" / "hsds")
    stale = [name for name, text in generated.items() if (K8S / name).read_text(encoding="utf-8") != text]
    assert stale == [], f"stale manifests {stale}: run `make manifests` and commit deploy/k8s/"


def test_every_manifest_decodes_strictly_and_a_typo_is_caught(checker: Path, tmp_path: Path) -> None:
    files = sorted(K8S.glob("*.yaml"))
    checked = subprocess.run([str(checker), *map(str, files)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "manifests decode strictly" in checked.stdout
    typo = tmp_path / "typo.yaml"
    typo.write_text((K8S / "intake.yaml").read_text().replace("replicas: 3", "replicaz: 3", 1))
    refused = subprocess.run([str(checker), str(typo)], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "replicaz" in refused.stderr


def test_a_typo_in_the_kafka_cluster_or_the_store_is_caught(checker: Path, tmp_path: Path) -> None:
    for name, right, wrong in (("kafka.yaml", "topologyKey: topology", "topologyKy: topology"),
                               ("mongodb.yaml", "podManagementPolicy:", "podManagementPolicyy:")):
        typo = tmp_path / name
        typo.write_text((K8S / name).read_text().replace(right, wrong, 1))
        refused = subprocess.run([str(checker), str(typo)], capture_output=True, text=True, timeout=60)
        assert refused.returncode == 1 and wrong.split(":")[0] in refused.stderr, refused.stderr


def test_three_brokers_across_zones_topics_at_three_copies_and_a_three_member_store() -> None:
    kafka = {d["kind"] + "/" + d["metadata"]["name"]: d for d in yaml.safe_load_all((K8S / "kafka.yaml").read_text())}
    cluster = kafka["Kafka/referrals"]["spec"]["kafka"]
    assert cluster["rack"]["topologyKey"] == "topology.kubernetes.io/zone"
    assert cluster["config"]["min.insync.replicas"] == "2" and cluster["config"]["unclean.leader.election.enable"] == "false"
    assert kafka["KafkaNodePool/brokers"]["spec"]["replicas"] == 3
    assert kafka["KafkaNodePool/controllers"]["spec"]["roles"] == ["controller"]
    for topic in yaml.safe_load_all((K8S / "topics.yaml").read_text()):
        assert topic["spec"]["replicas"] == 3 and topic["spec"]["config"]["min.insync.replicas"] == "2", topic
    store = next(d for d in yaml.safe_load_all((K8S / "mongodb.yaml").read_text()) if d["kind"] == "StatefulSet")
    assert store["spec"]["replicas"] == 3 and "--replSet" in store["spec"]["template"]["spec"]["containers"][0]["args"]
