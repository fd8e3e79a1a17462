"""Why handling a record failed, and what the consumer does about it.

- Transient: the world is not ready (the store or the broker unreachable, a relay down). The
  batch is handed back and handled again after a growing wait, as long as it takes: never
  skipped, so the records after it keep their order.
- Anything else is the record's fault (it passes its contract but cannot be handled: a bug, a
  value the domain cannot take). It is tried a few times, then dead-lettered with the reason, and
  the consumer goes on: one record must never stop a consumer.

Services name their adapters' transient failures (tracking: the store's errors) on their bus.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.errors import KafkaError


class RetryLater(Exception):
    """Raised by a handler when the world is not ready yet (e.g. a lease held elsewhere)."""


# Network and broker failures are transient for every service (OSError covers ConnectionError
# and TimeoutError).
ALWAYS_TRANSIENT: tuple[type[BaseException], ...] = (RetryLater, OSError, KafkaError)

RECORD_FAULT_ATTEMPTS = 3  # a record whose handling fails otherwise is tried this often, then dead-lettered


def is_transient(error: BaseException, transient: tuple[type[BaseException], ...] = ()) -> bool:
    return isinstance(error, ALWAYS_TRANSIENT + transient)


def describe(error: BaseException) -> str:
    """For a dead letter's reason: the kind of failure and its message, on one line, bounded."""
    text = " ".join(str(error).split())[:300]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@dataclass(frozen=True)
class Backoff:
    """How long a consumer waits before handling a failed batch again: doubling, capped below
    Kafka's poll interval so a long outage never costs the consumer its partitions."""

    first_seconds: float = 0.5
    max_seconds: float = 30.0

    def delay(self, failures: int) -> float:
        return min(self.max_seconds, self.first_seconds * 2 ** (max(1, failures) - 1))
