"""Shared fixtures. Infrastructure (broker, store, SMTP sink, running services) comes from
tests/infra.py, the one place that decides how tests get it; see its docstring."""

from infra import (  # noqa: F401 - imported so pytest registers the fixtures for every test
    api_keys,
    infra_dir,
    kafka,
    kafka_bootstrap_servers,
    mongodb_url,
    platform_clock,
    running_services,
    service_environment,
    service_settings,
    sms_sink,
    smtp_sink,
    stack,
)
