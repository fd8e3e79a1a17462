"""What the platform runs on in a region, as Kubernetes manifests (part of `make manifests`):

- Kafka: Strimzi's `Kafka` resource in KRaft mode with two `KafkaNodePool`s, three controllers (the
  metadata quorum) and three brokers, spread over zones (rack awareness: each partition's three
  copies in three zones), SCRAM-SHA-512 logins and simple ACLs (the KafkaUsers of each service), and
  the brokers' settings from referral_ops.topics.broker_config, the local cluster's own;
- the store: MongoDB as a three-member replica set (a StatefulSet, one member per zone, a headless
  Service naming each member, a PodDisruptionBudget keeping a majority, and a Job that initiates the
  set once). The services' MONGODB_URL (a Secret: it holds the password) names the three members
  and `replicaSet=rs0` (docs/operations.md), so a driver follows the primary through a failover.
"""

from __future__ import annotations

from .topics import broker_config

CLUSTER_NAME = "referrals"
KAFKA_VERSION = "4.1.1"  # a Kafka that Strimzi runs (its releases trail Apache's); local runs use 4.3.1
BROKERS = CONTROLLERS = 3
ZONE = "topology.kubernetes.io/zone"
MONGODB_IMAGE = "mongo:8.0"
MONGODB_MEMBERS = 3
REPLICA_SET = "rs0"
MONGODB = "referrals-mongodb"
_CLUSTER_LABEL = {"strimzi.io/cluster": CLUSTER_NAME}


def _labels(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "closed-loop-referrals"}


def kafka_documents() -> list[dict]:
    """The Kafka cluster and its two node pools."""
    kafka = {
        "apiVersion": "kafka.strimzi.io/v1beta2", "kind": "Kafka",
        "metadata": {"name": CLUSTER_NAME, "annotations": {"strimzi.io/node-pools": "enabled",
                                                           "strimzi.io/kraft": "enabled"}},
        "spec": {
            "kafka": {
                "version": KAFKA_VERSION,
                "listeners": [{"name": "scram", "port": 9092, "type": "internal", "tls": False,
                               "authentication": {"type": "scram-sha-512"}}],
                "authorization": {"type": "simple"},
                "rack": {"topologyKey": ZONE},
                "config": broker_config(BROKERS),
            },
            "entityOperator": {"topicOperator": {}, "userOperator": {}},  # KafkaTopics and KafkaUsers
        },
    }
    return [kafka, _node_pool("controllers", CONTROLLERS, "controller", "20Gi", "1Gi"),
            _node_pool("brokers", BROKERS, "broker", "500Gi", "4Gi")]


def _node_pool(name: str, replicas: int, role: str, disk: str, memory: str) -> dict:
    """A pool of nodes of one role, one per zone where the cluster has three (pod anti-affinity)."""
    pool = {"strimzi.io/cluster": CLUSTER_NAME, "strimzi.io/pool-name": name}
    return {
        "apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaNodePool",
        "metadata": {"name": name, "labels": _CLUSTER_LABEL},
        "spec": {
            "replicas": replicas, "roles": [role],
            "storage": {"type": "jbod", "volumes": [{"id": 0, "type": "persistent-claim", "size": disk,
                                                    "deleteClaim": False, "kraftMetadata": "shared"}]},
            "resources": {"requests": {"cpu": "500m", "memory": memory}, "limits": {"memory": memory}},
            "template": {"pod": {"affinity": _one_per_zone(pool)}},
        },
    }


def _one_per_zone(labels: dict[str, str]) -> dict:
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": labels}, "topologyKey": ZONE}]}}


def mongodb_documents() -> list[dict]:
    """The store's three members, how to reach each, how many may be down, and the set's start."""
    labels = _labels(MONGODB)
    security = {"runAsNonRoot": True, "runAsUser": 999, "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]}}
    # The image's entrypoint makes the root user (from the Secret) on a member's first start; the
    # members share a key (mode 400, owned by mongod: copied out of the Secret) to trust each other.
    root = [{"name": f"MONGO_INITDB_ROOT_{key.upper()}",
             "valueFrom": {"secretKeyRef": {"name": f"{MONGODB}-root", "key": key}}} for key in ("username", "password")]
    keyfile = {"name": "keyfile", "image": MONGODB_IMAGE, "securityContext": security,
               "command": ["sh", "-c", "cp /keyfile-secret/keyfile /keyfile/keyfile && chmod 400 /keyfile/keyfile"],
               "volumeMounts": [{"name": "keyfile-secret", "mountPath": "/keyfile-secret", "readOnly": True},
                                {"name": "keyfile", "mountPath": "/keyfile"}]}
    mongod = {
        "name": "mongod", "image": MONGODB_IMAGE, "env": root,
        "args": ["--replSet", REPLICA_SET, "--bind_ip_all", "--keyFile", "/keyfile/keyfile"],
        "ports": [{"name": "mongodb", "containerPort": 27017}],
        "readinessProbe": {"exec": {"command": ["mongosh", "--quiet", "--eval", "db.adminCommand('ping')"]},
                           "periodSeconds": 10, "timeoutSeconds": 5},
        "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}, "limits": {"memory": "2Gi"}},
        "securityContext": security,
        "volumeMounts": [{"name": "data", "mountPath": "/data/db"}, {"name": "keyfile", "mountPath": "/keyfile"}],
    }
    statefulset = {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": MONGODB, "labels": labels},
        "spec": {
            "serviceName": MONGODB, "replicas": MONGODB_MEMBERS, "selector": {"matchLabels": labels},
            "podManagementPolicy": "Parallel",  # members find each other; none waits for another to start
            "template": {"metadata": {"labels": labels}, "spec": {
                "affinity": _one_per_zone(labels), "securityContext": {"fsGroup": 999},
                "initContainers": [keyfile], "containers": [mongod], "terminationGracePeriodSeconds": 30,
                "volumes": [{"name": "keyfile-secret", "secret": {"secretName": f"{MONGODB}-keyfile", "defaultMode": 0o440}},
                            {"name": "keyfile", "emptyDir": {}}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "200Gi"}}}}],
        },
    }
    headless = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": MONGODB, "labels": labels},
                "spec": {"clusterIP": "None", "selector": labels,
                         "ports": [{"name": "mongodb", "port": 27017, "targetPort": "mongodb"}]}}
    budget = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": MONGODB, "labels": labels},
              "spec": {"minAvailable": MONGODB_MEMBERS // 2 + 1, "selector": {"matchLabels": labels}}}
    return [statefulset, headless, budget, _initiate_job(root, security)]


def _initiate_job(root: list[dict], security: dict) -> dict:
    """Makes the three members a replica set, once: it does nothing where the set already is."""
    members = ", ".join(f"{{_id: {n}, host: '{MONGODB}-{n}.{MONGODB}:27017'}}" for n in range(MONGODB_MEMBERS))
    initiate = f"try {{ rs.status() }} catch (e) {{ rs.initiate({{_id: '{REPLICA_SET}', members: [{members}]}}) }}"
    first = (f'mongodb://$MONGO_INITDB_ROOT_USERNAME:$MONGO_INITDB_ROOT_PASSWORD@{MONGODB}-0.{MONGODB}:27017/'
             '?directConnection=true&authSource=admin')
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": f"{MONGODB}-initiate", "labels": _labels(MONGODB)},
            "spec": {"backoffLimit": 20, "template": {"metadata": {"labels": _labels(f"{MONGODB}-initiate")}, "spec": {
                "restartPolicy": "OnFailure",
                "containers": [{"name": "initiate", "image": MONGODB_IMAGE, "env": root, "securityContext": security,
                                "command": ["sh", "-c", f'mongosh --quiet "{first}" --eval "{initiate}"']}]}}}}


def mongodb_url_shape(user: str = "<user>", password: str = "<password>") -> str:
    """What the `referrals-mongodb` Secret's `url` holds: every member, and the set's name."""
    hosts = ",".join(f"{MONGODB}-{n}.{MONGODB}:27017" for n in range(MONGODB_MEMBERS))
    return f"mongodb://{user}:{password}@{hosts}/?replicaSet={REPLICA_SET}&w=majority"
