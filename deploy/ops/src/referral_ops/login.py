"""How an operator's tool logs in to Kafka: the same KAFKA_SASL_* settings the services read, turned
into what each client library wants (aiokafka's keyword arguments, librdkafka's configuration)."""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from typing import Any

MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class KafkaLogin:
    """A broker address and who logs in to it. No mechanism: no SASL (a broker that asks nobody)."""

    bootstrap_servers: str
    mechanism: str = ""
    username: str = ""
    password: str = ""
    use_tls: bool = False

    def __post_init__(self) -> None:
        if self.mechanism and self.mechanism not in MECHANISMS:
            raise ValueError(f"KAFKA_SASL_MECHANISM: one of {', '.join(MECHANISMS)}, not {self.mechanism!r}")

    @classmethod
    def from_environment(cls, bootstrap_servers: str) -> KafkaLogin:
        """KAFKA_SASL_MECHANISM / _USERNAME / _PASSWORD and KAFKA_USE_TLS, as the services read them.
        The password is never an option: a command line is visible to every local user."""
        return cls(bootstrap_servers, os.environ.get("KAFKA_SASL_MECHANISM", ""),
                   os.environ.get("KAFKA_SASL_USERNAME", ""), os.environ.get("KAFKA_SASL_PASSWORD", ""),
                   os.environ.get("KAFKA_USE_TLS", "").lower() in ("1", "true", "yes"))

    @property
    def security_protocol(self) -> str:
        if self.mechanism:
            return "SASL_SSL" if self.use_tls else "SASL_PLAINTEXT"
        return "SSL" if self.use_tls else "PLAINTEXT"

    def aiokafka(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's producer, consumer and admin client."""
        kwargs: dict[str, Any] = {"bootstrap_servers": self.bootstrap_servers,
                                  "security_protocol": self.security_protocol}
        if self.use_tls:
            kwargs["ssl_context"] = ssl.create_default_context()
        if self.mechanism:
            kwargs |= {"sasl_mechanism": self.mechanism, "sasl_plain_username": self.username,
                       "sasl_plain_password": self.password}
        return kwargs

    def confluent(self) -> dict[str, str]:
        """librdkafka configuration for confluent-kafka's clients (TLS with the system's CA bundle)."""
        config = {"bootstrap.servers": self.bootstrap_servers, "security.protocol": self.security_protocol}
        if self.mechanism:
            config |= {"sasl.mechanism": self.mechanism, "sasl.username": self.username,
                       "sasl.password": self.password}
        return config
