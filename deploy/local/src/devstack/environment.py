"""The documented environment variables (README, "Configuration"), as `devstack run` and `devstack
infra` treat them: each is honoured or refused with a message, never silently ignored.

- Honoured as the default of an option (an option given on the command line wins, and a differing
  variable is named): `DIRECTORY_PATH`, `DIRECTORY_EXTENSION_PATH`, `POLICY_PATH`, `LOG_LEVEL`,
  and `KAFKA_BOOTSTRAP_SERVERS` / `MONGODB_URL` (use that broker / store instead of starting one,
  as the `export` lines `make infra` prints mean; the broker with the admin's `KAFKA_SASL_*`).
- Refused: what devstack sets for each service itself (its port, database, the sinks' addresses,
  the keys it issues, the demo's clock), which a value in the shell could only contradict.
- Every other documented variable (`CONSUMER_STALL_SECONDS`, `OTEL_*`, `SWEEP_SECONDS`, ...)
  reaches the services as it is.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

# option attribute -> the variable that is its default
OPTION_VARIABLES = {
    "directory": "DIRECTORY_PATH",
    "directory_extension": "DIRECTORY_EXTENSION_PATH",
    "policy": "POLICY_PATH",
    "log_level": "LOG_LEVEL",
    "kafka_bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS",
    "mongodb_url": "MONGODB_URL",
}

# Set by devstack for each service; why a value from the shell cannot be used.
SET_BY_DEVSTACK = {
    "HTTP_HOST": "each service listens on the loopback address",
    "HTTP_PORT": "each service gets a free port of its own",
    "MONGODB_DATABASE": "each service gets a database named after it",
    "SMTP_HOST": "the notifier sends to the run's SMTP sink",
    "SMTP_PORT": "the notifier sends to the run's SMTP sink",
    "SMS_API_URL": "the notifier sends to the run's SMS sink",
    "SMS_AUTH_TOKEN": "the run's SMS sink takes a token made for the run",
    "API_KEYS_PATH": "the run issues its own API keys",
    "CLOCK_OFFSET_FILE": "the demo moves the platform's clock itself; --no-demo-activity runs on the wall clock",
}


def option_default(option: str, fallback: object, environ: Mapping[str, str]) -> object:
    """The option's default: its variable when set (and not empty), else `fallback`."""
    return environ.get(OPTION_VARIABLES[option]) or fallback


def notes_on_overrides(args: argparse.Namespace, given: set[str], environ: Mapping[str, str]) -> list[str]:
    """A line for each option given on the command line while its variable says otherwise."""
    notes = []
    for option, variable in OPTION_VARIABLES.items():
        value = environ.get(variable)
        if option in given and value and str(getattr(args, option, None)) != value:
            notes.append(f"--{option.replace('_', '-')} {getattr(args, option)} is used, not "
                         f"{variable}={value}")
    return notes


def refusals(environ: Mapping[str, str]) -> list[str]:
    """Each variable set in the shell that devstack would have to override, with why."""
    return [f"{name} is set ({environ[name]!r}), but {why}: unset it to run the local stack"
            for name, why in SET_BY_DEVSTACK.items() if environ.get(name)]


def given_options(argv: list[str]) -> set[str]:
    """The options written on the command line (as attributes: --log-level -> log_level)."""
    return {arg[2:].split("=", 1)[0].replace("-", "_") for arg in argv if arg.startswith("--")}
