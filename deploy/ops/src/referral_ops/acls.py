"""Kafka's ACLs, generated from the one table of who reads and writes what
(`referral_contracts.topology`): a principal per platform service and one per agency of the directory.

Every name the table gives becomes a topic ACL (LITERAL for a name, PREFIXED for a `Prefix`):
READ on what it reads, WRITE on what it writes, DESCRIBE on both (stated, not left implied, so the
list says all a principal may do); every group becomes READ on that consumer group. Nothing else is
granted: with `allow.everyone.if.no.acl.found=false` the broker refuses whatever no ACL allows.
Users and ACLs are made through the Admin API (confluent-kafka) by a super user."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

from referral_contracts.topology import SERVICE_NAMES, Prefix, TopicUse, agency_use, service_use

from .login import KafkaLogin

SCRAM_ITERATIONS = 4096  # Kafka's minimum (and its default)
_TIMEOUT = 30.0


def admin_client(login: KafkaLogin) -> AdminClient:
    """An admin client that logs warnings and errors only (librdkafka narrates its housekeeping)."""
    return AdminClient(login.confluent() | {"log_level": 4})


@dataclass(frozen=True, order=True)
class Acl:
    """One ALLOW rule: `principal` may do `operation` on the topic or group `name` (or every one whose
    name starts with it, when `prefixed`), from any host."""

    principal: str  # User:<name>
    resource: str  # topic | group
    name: str
    prefixed: bool
    operation: str  # READ | WRITE | DESCRIBE

    def __str__(self) -> str:
        pattern = "prefixed" if self.prefixed else "literal"
        return f"{self.principal} {self.operation} {self.resource} {self.name} ({pattern})"


def principals(agency_ids: Iterable[str]) -> tuple[str, ...]:
    """Every principal the platform gives a login: the services, then each agency. An agency whose
    id is a service's name would share its principal, so it is refused."""
    agencies = tuple(agency_ids)
    if clash := sorted(set(agencies) & set(SERVICE_NAMES)):
        raise ValueError(f"agency ids {clash} are names of platform services; Kafka could not tell them apart")
    return SERVICE_NAMES + agencies


def principal_acls(principal: str, use: TopicUse) -> list[Acl]:
    """The ACLs that allow exactly what `use` says, for `principal` (a user name)."""
    user = f"User:{principal}"

    def rule(resource: str, target: str | Prefix, operation: str) -> Acl:
        name, prefixed = (target.value, True) if isinstance(target, Prefix) else (target, False)
        return Acl(user, resource, name, prefixed, operation)

    rules = {rule("topic", t, op) for t in use.reads for op in ("READ", "DESCRIBE")}
    rules |= {rule("topic", t, op) for t in use.writes for op in ("WRITE", "DESCRIBE")}
    rules |= {rule("group", g, "READ") for g in use.groups}
    return sorted(rules)


def platform_acls(agency_ids: Iterable[str]) -> list[Acl]:
    """Every ACL of the platform: each service's use of the topics, then each agency's."""
    agencies = list(agency_ids)
    principals(agencies)  # refuses an agency that would share a service's principal
    found = [acl for s in SERVICE_NAMES for acl in principal_acls(s, service_use(s, agencies))]
    return found + [acl for a in agencies for acl in principal_acls(a, agency_use(a))]


def apply_acls(login: KafkaLogin, wanted: Iterable[Acl]) -> tuple[list[Acl], list[Acl]]:
    """Create the ACLs Kafka does not have yet. Returns (added, present but not wanted): an ACL the
    table no longer gives is reported, never removed here, since removing access is an operator's
    deliberate act."""
    admin = admin_client(login)
    wanted = sorted(set(wanted))
    present = existing_acls(admin)
    missing = [acl for acl in wanted if acl not in present]
    if missing:
        for _, future in admin.create_acls([_binding(acl) for acl in missing], request_timeout=_TIMEOUT).items():
            future.result()  # raises KafkaException naming the refusal
    return missing, sorted(present - set(wanted))


def existing_acls(admin: AdminClient) -> set[Acl]:
    """Every ALLOW ACL on topics and groups the broker's authorizer holds now."""
    everything = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                                  AclOperation.ANY, AclPermissionType.ANY)
    bindings = admin.describe_acls(everything, request_timeout=_TIMEOUT).result()
    return {Acl(b.principal, b.restype.name.lower(), b.name, b.resource_pattern_type == ResourcePatternType.PREFIXED,
                b.operation.name) for b in bindings
            if b.permission_type == AclPermissionType.ALLOW and b.restype in (ResourceType.TOPIC, ResourceType.GROUP)}


def password_variable(principal: str) -> str:
    """Where a principal's password is given: KAFKA_PASSWORD_<NAME>, as `devstack` writes them."""
    return "KAFKA_PASSWORD_" + principal.upper().replace("-", "_")


def given_passwords(principal_names: Iterable[str], environment: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The passwords the environment gives, and the principals it gives none (they get no login)."""
    given = {name: environment[password_variable(name)] for name in principal_names
             if environment.get(password_variable(name))}
    return given, [name for name in principal_names if name not in given]


def upsert_scram_users(login: KafkaLogin, passwords: Mapping[str, str]) -> None:
    """Create each user with its SCRAM-SHA-512 password, or set the password of one that exists."""
    admin = admin_client(login)
    upserts = [UserScramCredentialUpsertion(user, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS),
                                            password.encode()) for user, password in passwords.items()]
    for user, future in admin.alter_user_scram_credentials(upserts, request_timeout=_TIMEOUT).items():
        try:
            future.result()
        except Exception as refused:
            raise RuntimeError(f"Kafka refused the SCRAM credential of {user}: {refused}") from refused


def _binding(acl: Acl) -> AclBinding:
    return AclBinding(ResourceType[acl.resource.upper()], acl.name,
                      ResourcePatternType.PREFIXED if acl.prefixed else ResourcePatternType.LITERAL,
                      acl.principal, "*", AclOperation[acl.operation], AclPermissionType.ALLOW)
