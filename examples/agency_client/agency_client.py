"""An agency's system on the platform's Kafka edge, as an integration team would write it: only
`confluent-kafka` (librdkafka) and the standard library, nothing of the platform's own code.

    export KAFKA_BOOTSTRAP_SERVERS=... KAFKA_SASL_USERNAME=gp-north KAFKA_SASL_PASSWORD=...
    python agency_client.py send-referral referral.json          # prints the receipt: the referral id
    python agency_client.py wait --change triaged --referral <id>
    python agency_client.py send-milestone <referral id> milestone.json
    python agency_client.py wait --change closed --referral <id>

What it shows (docs/agency-integration.md says the same in prose):
- log in with SASL/SCRAM-SHA-512 as your agency; you may write only your two inbound topics and
  read only your outbound topic, in consumer groups named `<your agency id>.<anything>`;
- key every record by something stable (the referral's client_reference, or its referral id);
  send a `correlation_id` header (a UUID) to find your request again in what comes back;
- everything comes back on `referrals.outbound.v1.<your agency id>`: a receipt or a refusal for
  each record you sent, then the changes of the referrals you have a part in, then the closure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaException, Producer

Message = dict[str, Any]


def login(agency: str) -> dict[str, str]:
    """librdkafka settings for your agency's login, from the environment (never a command line)."""
    return {
        "bootstrap.servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        "security.protocol": os.environ.get("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),  # SASL_SSL in production
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": os.environ.get("KAFKA_SASL_USERNAME", agency),
        "sasl.password": os.environ["KAFKA_SASL_PASSWORD"],
    }


class AgencyClient:
    def __init__(self, agency: str, *, reader: str = "integration") -> None:
        self.agency = agency
        self._producer = Producer(login(agency) | {"enable.idempotence": True, "acks": "all"})
        # Your group must start with your agency id and a dot: the broker refuses any other. At least
        # once: an offset is stored only after its message was handled, and committed in the
        # background (and on close), so a crash re-reads what was not handled, never skips it.
        self._consumer = Consumer(login(agency) | {"group.id": f"{agency}.{reader}", "auto.offset.reset": "earliest",
                                                   "enable.auto.commit": True, "enable.auto.offset.store": False})
        self._consumer.subscribe([f"referrals.outbound.v1.{agency}"])

    def send_referral(self, referral: Message, correlation_id: str | None = None) -> dict[str, Any]:
        """Publish a referral to your inbound topic; returns where it landed (your receipt names it)."""
        return self._send(f"referrals.inbound.v1.{self.agency}", referral["client_reference"], referral, correlation_id)

    def send_milestone(self, referral_id: str, milestone: Message, correlation_id: str | None = None) -> dict[str, Any]:
        """Publish a milestone (the body of POST /v1/referrals/{id}/milestones plus referral_id)."""
        body = {"referral_id": referral_id, "milestone_id": str(uuid.uuid4())} | milestone
        return self._send(f"milestones.inbound.v1.{self.agency}", referral_id, body, correlation_id)

    def wait_for(self, wanted: Callable[[Message], bool], timeout: float = 60.0) -> Message:
        """Read your outbound topic until a message `wanted` matches; what was read is committed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = self._consumer.poll(0.5)
            if record is None:
                continue
            if record.error():
                raise KafkaException(record.error())
            message = _platform_event(record.value())
            self._consumer.store_offsets(record)  # handled: drop repeats by event_id, as here by matching
            if message is not None and wanted(message):
                return message
        raise TimeoutError(f"nothing wanted arrived on referrals.outbound.v1.{self.agency} within {timeout:.0f} s")

    def close(self) -> None:
        self._producer.flush(10)
        self._consumer.close()

    def _send(self, topic: str, key: str, body: Message, correlation_id: str | None) -> dict[str, Any]:
        delivered: dict[str, Any] = {}

        def report(error, record) -> None:  # noqa: ANN001 - librdkafka's callback
            if error is not None:
                raise KafkaException(error)  # e.g. TOPIC_AUTHORIZATION_FAILED: not your topic
            delivered.update(topic=record.topic(), partition=record.partition(), offset=record.offset())

        headers = {"correlation_id": correlation_id or str(uuid.uuid4()), "content-type": "application/json"}
        self._producer.produce(topic, json.dumps(body).encode(), key=key.encode(), headers=headers, on_delivery=report)
        self._producer.flush(30)
        if not delivered:
            raise TimeoutError(f"{topic}: no delivery report")
        return delivered


def _platform_event(value: bytes | None) -> Message | None:
    """A message of the platform's, or None for anything else on the topic (be liberal in what you
    read: an unknown event type or version is skipped, never a crash)."""
    try:
        message = json.loads(value or b"")
    except (ValueError, RecursionError):
        return None
    return message if isinstance(message, dict) and isinstance(message.get("data"), dict) \
        and "event_type" in message else None


def receipt_for(position: dict[str, Any]) -> Callable[[Message], bool]:
    """The receipt or refusal of the record you sent at `position` (its delivery report)."""
    def matches(message: Message) -> bool:
        inbound = message.get("data", {}).get("inbound") or {}
        return message["event_type"] in ("referral.received", "milestone.received", "inbound.refused") and \
            (inbound.get("topic"), inbound.get("partition"), inbound.get("offset")) == \
            (position["topic"], position["partition"], position["offset"])
    return matches


def change(referral_id: str, what: str) -> Callable[[Message], bool]:
    return lambda m: m["event_type"] == "referral.update" and m["referral_id"] == referral_id \
        and m["data"]["change"] == what


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agency", default=os.environ.get("KAFKA_SASL_USERNAME"), help="your agency id")
    parser.add_argument("--reader", default="integration", help="your consumer group: <agency>.<reader>")
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("send-referral", help="publish a referral and wait for its receipt")
    send.add_argument("file", type=Path)
    milestone = commands.add_parser("send-milestone", help="publish a milestone and wait for its receipt")
    milestone.add_argument("referral_id")
    milestone.add_argument("file", type=Path)
    wait = commands.add_parser("wait", help="wait for a change of a referral on your outbound topic")
    wait.add_argument("--referral", required=True)
    wait.add_argument("--change", required=True)
    args = parser.parse_args(argv)
    client = AgencyClient(args.agency, reader=args.reader)
    try:
        if args.command == "send-referral":
            answer = client.wait_for(receipt_for(client.send_referral(json.loads(args.file.read_text()))))
        elif args.command == "send-milestone":
            position = client.send_milestone(args.referral_id, json.loads(args.file.read_text()))
            answer = client.wait_for(receipt_for(position))
        else:
            answer = client.wait_for(change(args.referral, args.change))
    finally:
        client.close()
    print(json.dumps(answer, indent=2))
    return 1 if answer["event_type"] == "inbound.refused" else 0


if __name__ == "__main__":
    sys.exit(main())
