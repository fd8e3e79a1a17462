"""Who may log in to the local broker, issued per run like the API keys (devstack.keys): a random
SCRAM-SHA-512 password for the admin (the broker's one super user), for each platform service and for
each agency of the directory. They live in memory and in `credentials.env` (mode 600) in the run
directory, never in the repository; the services get theirs through their environment.

`provision` makes the users and ACLs on the broker with the admin's login, through the operator's
own code (referral_ops.acls), so `make run`, `make infra` and the tests run the broker exactly as
`referral-ops apply-acls` would set it up."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faststream.security import SASLScram512
from referral_contracts.directory import Directory
from referral_ops import acls
from referral_ops.login import KafkaLogin

from .processes import wait_until

ADMIN = "admin"  # the super user: creates topics, users and ACLs, and acts as the platform in tests
MECHANISM = "SCRAM-SHA-512"


password_variable = acls.password_variable  # KAFKA_PASSWORD_GP_NORTH: the one rule, which referral-ops reads too


@dataclass(frozen=True)
class KafkaAccess:
    """The broker's address and the password of every principal (user name -> password)."""

    bootstrap_servers: str
    passwords: Mapping[str, str]
    env_path: Path | None = None  # the credentials file to `source`, when one was written

    def login(self, principal: str = ADMIN) -> KafkaLogin:
        return KafkaLogin(self.bootstrap_servers, MECHANISM, principal, self.passwords[principal])

    def client(self, principal: str = ADMIN) -> dict[str, Any]:
        """aiokafka keyword arguments logging in as `principal`, bootstrap servers included:
        `AIOKafkaProducer(**kafka.client("gp-north"), acks="all")`."""
        return self.login(principal).aiokafka()

    def confluent(self, principal: str = ADMIN) -> dict[str, str]:
        """confluent-kafka (librdkafka) configuration logging in as `principal`."""
        return self.login(principal).confluent()

    def security(self, principal: str = ADMIN) -> SASLScram512:
        """FastStream's login as `principal`, for `service_kit.messaging.new_broker(..., security=...)`."""
        return SASLScram512(principal, self.passwords[principal])

    def environment(self, principal: str = ADMIN) -> dict[str, str]:
        """What a process logging in as `principal` is told (the services' KAFKA_* settings)."""
        return {"KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers, "KAFKA_SASL_MECHANISM": MECHANISM,
                "KAFKA_SASL_USERNAME": principal, "KAFKA_SASL_PASSWORD": self.passwords[principal]}


def agency_ids(directory_path: Path) -> list[str]:
    return [agency.id for agency in Directory.load(directory_path).agencies]


def issue_credentials(workdir: Path, directory_path: Path, given: Mapping[str, str] | None = None) -> dict[str, str]:
    """A password per principal (the admin, each service, each agency), random unless `given`, written
    to `workdir/credentials.env` (mode 600) as export lines: the admin's as KAFKA_SASL_*, so a shell
    that sources it is the platform's operator, and every other as KAFKA_PASSWORD_<NAME>."""
    names = (ADMIN, *acls.principals(agency_ids(directory_path)))
    passwords = {name: (given or {}).get(name) or secrets.token_urlsafe(24) for name in names}
    workdir.mkdir(parents=True, exist_ok=True)
    path = credentials_path(workdir)
    path.touch(mode=0o600)
    os.chmod(path, 0o600)  # also when the file was there already
    lines = [f"export KAFKA_SASL_MECHANISM={MECHANISM}", f"export KAFKA_SASL_USERNAME={ADMIN}",
             f"export KAFKA_SASL_PASSWORD={passwords[ADMIN]}"]
    lines += [f"export {password_variable(name)}={passwords[name]}" for name in names if name != ADMIN]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return passwords


def credentials_path(workdir: Path) -> Path:
    return workdir / "credentials.env"


def given_credentials() -> dict[str, str]:
    """The passwords this process's environment holds (a shell that sourced a credentials file):
    the admin's from KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD, the others from KAFKA_PASSWORD_*."""
    if os.environ.get("KAFKA_SASL_USERNAME") != ADMIN or not os.environ.get("KAFKA_SASL_PASSWORD"):
        raise RuntimeError(f"KAFKA_SASL_USERNAME={ADMIN} and KAFKA_SASL_PASSWORD are needed with "
                           "KAFKA_BOOTSTRAP_SERVERS: source the credentials file `devstack infra` printed")
    given = {ADMIN: os.environ["KAFKA_SASL_PASSWORD"]}
    prefix = "KAFKA_PASSWORD_"
    return given | {name[len(prefix):].lower().replace("_", "-"): value
                    for name, value in os.environ.items() if name.startswith(prefix) and value}


def provision(access: KafkaAccess, directory_path: Path, timeout: float = 30.0) -> list[acls.Acl]:
    """Create every principal's SCRAM user and every ACL of the table, as the admin, and wait until
    the broker enforces them; returns the ACLs added. Users first: Kafka applies its metadata log in
    order, so once the broker's authorizer shows the ACLs, it knows the users too."""
    agencies = agency_ids(directory_path)
    login = access.login(ADMIN)
    acls.upsert_scram_users(login, {name: access.passwords[name] for name in acls.principals(agencies)})
    wanted = acls.platform_acls(agencies)
    added, _ = acls.apply_acls(login, wanted)
    wait_until(lambda: set(wanted) <= acls.existing_acls(acls.admin_client(login)), timeout,
               "the broker to enforce the ACLs")
    return added
