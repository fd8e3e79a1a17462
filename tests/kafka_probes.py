"""Probing the broker as a client would: write one record as the platform's producers do, and read
Kafka's refusal (tests of who may do what: test_kafka_acls.py, test_compose_kafka.py)."""

from __future__ import annotations

from uuid import uuid4

from confluent_kafka import KafkaError, Message, Producer

QUIET = {"log_level": 0}  # librdkafka would log each refusal to stderr; the test reads them itself


def produce(config: dict, topic: str) -> KafkaError | None:
    """Write one record with an idempotent acks=all producer, as the platform's clients do; returns
    Kafka's refusal, or None once the record is written."""
    producer = Producer(config | QUIET | {"enable.idempotence": True, "acks": "all", "message.timeout.ms": 20000})
    outcome: list[KafkaError | None] = []
    producer.produce(topic, b"{}", key=uuid4().bytes, on_delivery=lambda error, _: outcome.append(error))
    producer.flush(30)
    assert outcome, f"no delivery report for {topic}"
    return outcome[0]


def refusal(outcome: Message | KafkaError | None) -> int | None:
    return outcome.code() if isinstance(outcome, KafkaError) else None


def login_refused(config: dict, topic: str) -> bool:
    """Whether the broker refuses this login (an authentication error, and nothing written)."""
    errors: list[KafkaError] = []
    producer = Producer(config | QUIET | {"error_cb": errors.append, "message.timeout.ms": 10000})
    delivered: list[KafkaError | None] = []
    producer.produce(topic, b"{}", on_delivery=lambda error, _: delivered.append(error))
    producer.flush(15)
    return KafkaError._AUTHENTICATION in {error.code() for error in errors} and bool(delivered) and delivered[0] is not None
