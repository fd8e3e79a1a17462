"""Observing what a service publishes on FastStream's in-memory test broker."""

from __future__ import annotations

from faststream.kafka.annotations import KafkaMessage


def recorder(records: list):
    """A subscriber that keeps each raw record (body, key and headers), as a consumer would see it."""

    def record(message: KafkaMessage) -> None:
        records.append(message)

    return record

