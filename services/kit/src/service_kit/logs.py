"""Structured JSON logs for every service: one JSON object per line, with the correlation id, the
topic and the referral (the record's key) of the work in hand, so one referral can be followed
through all four services' logs. Messages name ids only, never a person's details (a test reads
every log after the end-to-end scenarios to hold the services to it)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(level: str = "INFO") -> None:
    """Route the standard library's logging (ours and the libraries') through one JSON renderer."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


@contextmanager
def log_context(**values: object) -> Iterator[None]:
    """Every log line written inside carries `values` (e.g. correlation_id, referral_id)."""
    with structlog.contextvars.bound_contextvars(**{k: str(v) for k, v in values.items() if v is not None}):
        yield
