"""Kafka authentication settings become FastStream's security objects (SASL, TLS)."""

from __future__ import annotations

import pytest
from faststream.security import SASLPlaintext, SASLScram512

from service_kit.app import ServiceSettings


def test_no_mechanism_means_a_plaintext_local_broker() -> None:
    assert ServiceSettings().kafka_security() is None


def test_scram_over_tls_and_plain() -> None:
    scram = ServiceSettings(kafka_sasl_mechanism="SCRAM-SHA-512", kafka_sasl_username="intake",
                            kafka_sasl_password="from-the-environment", kafka_use_tls=True).kafka_security()
    assert isinstance(scram, SASLScram512) and scram.username == "intake" and scram.use_ssl
    plain = ServiceSettings(kafka_sasl_mechanism="PLAIN", kafka_sasl_username="u", kafka_sasl_password="p")
    assert isinstance(plain.kafka_security(), SASLPlaintext)


def test_an_unknown_mechanism_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="KAFKA_SASL_MECHANISM"):
        ServiceSettings(kafka_sasl_mechanism="GSSAPI-ISH").kafka_security()


def test_a_cluster_s_brokers_are_each_an_address_to_bootstrap_from() -> None:
    from service_kit.messaging import bootstrapping_addresses, new_broker

    assert bootstrapping_addresses("a:9092, b:9093,c:9094") == ["a:9092", "b:9093", "c:9094"]
    assert bootstrapping_addresses("a:9092") == ["a:9092"]
    broker = new_broker("a:9092,b:9093", client_id="test")
    assert broker._connection_kwargs["bootstrap_servers"] == ["a:9092", "b:9093"]  # what aiokafka is given
