"""Kubernetes manifests for the platform, written from one description so the five services stay
alike: per service a Deployment (probes, resources, non-root, settings from a ConfigMap and
secrets from Secrets), a Service, a PodDisruptionBudget, a HorizontalPodAutoscaler and a Strimzi
KafkaUser (SCRAM-SHA-512, with exactly the ACLs `referral-ops apply-acls` gives it, from the same
topology table); the shared ConfigMap; every topic as a Strimzi KafkaTopic with its partitions,
replicas and configs; and what they run on (referral_ops.cluster_manifests): the Kafka cluster
(Strimzi, KRaft node pools, three brokers across zones) and the store (a MongoDB replica set).

    python -m referral_ops.manifests deploy/k8s   # `make manifests`; a test fails when stale
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from referral_contracts.directory import Directory
from referral_contracts.topics import topic_config
from referral_contracts.topology import service_use

from .acls import principal_acls
from .cluster_manifests import kafka_documents, mongodb_documents
from .topics import platform_topics

SERVICES = {"intake": 3, "triage": 2, "tracking": 3, "notifier": 2, "oversight": 2}  # service -> replicas at rest
PARTITIONS, REPLICAS = 6, 3
IMAGE = "ghcr.io/closed-loop-referrals/{service}:0.1.0"
SHARED = {"KAFKA_BOOTSTRAP_SERVERS": "referrals-kafka-bootstrap:9092", "LOG_LEVEL": "INFO",
          "DIRECTORY_PATH": "/app/demo/hsds", "POLICY_PATH": "/app/demo/policy.yaml",
          "API_KEYS_PATH": "/etc/referrals/api-keys/api-keys.yaml", "SMTP_HOST": "smtp-relay", "SMTP_PORT": "25",
          "OTEL_TRACES_EXPORTER": "none", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512"}
SECRETS = {"MONGODB_URL": ("referrals-mongodb", "url"), "SMS_AUTH_TOKEN": ("referrals-sms", "auth-token")}
CLUSTER = {"strimzi.io/cluster": "referrals"}


def _labels(service: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": service, "app.kubernetes.io/part-of": "closed-loop-referrals"}


def kafka_login_env(service: str) -> list[dict]:
    """The service logs in as its own KafkaUser; Strimzi's User Operator keeps the password in a
    Secret named after the user."""
    return [{"name": "KAFKA_SASL_USERNAME", "value": service},
            {"name": "KAFKA_SASL_PASSWORD", "valueFrom": {"secretKeyRef": {"name": service, "key": "password"}}}]


def kafka_user(service: str, agency_ids: list[str]) -> dict:
    """Strimzi's KafkaUser for a service: SCRAM-SHA-512, and one ACL rule per topic or group with the
    operations the topology table allows on it (the ACLs `referral-ops apply-acls` makes)."""
    rules: dict[tuple[str, str, bool], list[str]] = {}
    for acl in principal_acls(service, service_use(service, agency_ids)):
        rules.setdefault((acl.resource, acl.name, acl.prefixed), []).append(acl.operation.capitalize())
    acls = [{"resource": {"type": resource, "name": name, "patternType": "prefix" if prefixed else "literal"},
             "operations": sorted(operations), "host": "*"} for (resource, name, prefixed), operations in rules.items()]
    return {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaUser",
            "metadata": {"name": service, "labels": {**_labels(service), **CLUSTER}},
            "spec": {"authentication": {"type": "scram-sha-512"}, "authorization": {"type": "simple", "acls": acls}}}


def service_documents(service: str, replicas: int, agency_ids: list[str]) -> list[dict]:
    labels = _labels(service)
    probe = {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10, "timeoutSeconds": 2}
    container = {
        "name": service, "image": IMAGE.format(service=service), "ports": [{"name": "http", "containerPort": 8000}],
        "envFrom": [{"configMapRef": {"name": "referrals-settings"}}],
        "env": [{"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key, "optional": True}}}
                for name, (secret, key) in SECRETS.items()] + kafka_login_env(service),
        "readinessProbe": {**probe, "httpGet": {"path": "/ready", "port": "http"}},
        "livenessProbe": {**probe, "failureThreshold": 3, "initialDelaySeconds": 10},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "api-keys", "mountPath": "/etc/referrals/api-keys", "readOnly": True}],
    }
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": service, "labels": labels},
         "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {
                      "containers": [container], "terminationGracePeriodSeconds": 30,
                      "volumes": [{"name": "api-keys", "secret": {"secretName": "referrals-api-keys"}}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": service, "labels": labels},
         "spec": {"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": service, "labels": labels},
         "spec": {"minAvailable": 1, "selector": {"matchLabels": labels}}},
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": service, "labels": labels},
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": service},
                  "minReplicas": replicas, "maxReplicas": PARTITIONS,  # more consumers than partitions would idle
                  "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                                                "target": {"type": "Utilization", "averageUtilization": 70}}}]}},
        kafka_user(service, agency_ids),
    ]


def topic_documents(directory: Path) -> list[dict]:
    return [{"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic",
             "metadata": {"name": topic.replace(".", "-").replace("_", "-"), "labels": CLUSTER},
             "spec": {"topicName": topic, "partitions": PARTITIONS, "replicas": REPLICAS, "config": topic_config(topic, REPLICAS)}}
            for topic in platform_topics(directory)]


def manifests(directory: Path) -> dict[str, str]:
    """File name -> YAML text."""
    agency_ids = [agency.id for agency in Directory.load(directory).agencies]
    files = {f"{service}.yaml": service_documents(service, replicas, agency_ids) for service, replicas in SERVICES.items()}
    files["settings.yaml"] = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "referrals-settings"},
                               "data": SHARED}]
    files["topics.yaml"] = topic_documents(directory)
    files["kafka.yaml"] = kafka_documents()
    files["mongodb.yaml"] = mongodb_documents()
    return {name: "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in documents) for name, documents in files.items()}


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    folder, directory = Path(args[0]), Path(args[1]) if len(args) > 1 else Path("deploy/demo/hsds")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in manifests(directory).items():
        (folder / name).write_text(text, encoding="utf-8")
        print(folder / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
