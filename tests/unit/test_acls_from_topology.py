"""Kafka's ACLs as `referral-ops apply-acls` derives them from the topology table: exactly what an
agency may do, nothing of another's, and no principal shared between an agency and a service."""

from __future__ import annotations

import pytest
from referral_ops.acls import Acl, given_passwords, password_variable, platform_acls, principal_acls, principals

from referral_contracts.topology import agency_use, service_use


def test_an_agency_gets_its_two_inbound_topics_its_outbound_topic_and_its_groups_only() -> None:
    user = "User:gp-north"
    assert set(principal_acls("gp-north", agency_use("gp-north"))) == {
        Acl(user, "topic", "referrals.inbound.v1.gp-north", False, "WRITE"),
        Acl(user, "topic", "referrals.inbound.v1.gp-north", False, "DESCRIBE"),
        Acl(user, "topic", "milestones.inbound.v1.gp-north", False, "WRITE"),
        Acl(user, "topic", "milestones.inbound.v1.gp-north", False, "DESCRIBE"),
        Acl(user, "topic", "referrals.outbound.v1.gp-north", False, "READ"),
        Acl(user, "topic", "referrals.outbound.v1.gp-north", False, "DESCRIBE"),
        Acl(user, "group", "gp-north.", True, "READ"),
    }


def test_a_service_reads_the_agencies_inbound_topics_by_prefix_but_writes_only_their_dead_letters() -> None:
    intake = principal_acls("intake", service_use("intake", ["gp-north", "cmh-east"]))
    assert Acl("User:intake", "topic", "referrals.inbound.v1.", True, "READ") in intake
    written = {acl.name for acl in intake if acl.operation == "WRITE"}
    assert "referrals.inbound.v1.gp-north.dlq" in written and "referrals.inbound.v1.gp-north" not in written
    assert not any(acl.prefixed and acl.operation == "WRITE" and acl.name.startswith("referrals.inbound") for acl in intake)


def test_every_principal_of_the_platform_has_acls_and_no_other_principal_does() -> None:
    acls = platform_acls(["gp-north", "cmh-east"])
    assert {acl.principal for acl in acls} == {f"User:{name}" for name in principals(["gp-north", "cmh-east"])}
    assert len(acls) == len(set(acls))


def test_an_agency_named_like_a_service_is_refused() -> None:
    with pytest.raises(ValueError, match="intake"):
        platform_acls(["gp-north", "intake"])


def test_each_login_takes_its_password_from_its_own_variable_and_one_given_none_is_named() -> None:
    environment = {"KAFKA_PASSWORD_INTAKE": "a", "KAFKA_PASSWORD_GP_NORTH": "b", "KAFKA_PASSWORD_CMH_EAST": ""}
    given, missing = given_passwords(("intake", "gp-north", "cmh-east"), environment)
    assert given == {"intake": "a", "gp-north": "b"} and missing == ["cmh-east"]
    assert password_variable("gp-north") == "KAFKA_PASSWORD_GP_NORTH"
