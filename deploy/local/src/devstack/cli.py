"""`devstack run | cluster | infra | status | restart | fetch`: the local platform from one command,
kept running (a process that dies is started again) and stopped by Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from referral_contracts.configuration import ConfigurationProblem
from referral_contracts.hsds import read_directory
from referral_contracts.policy import load_policy

from . import control, environment
from .banner import DEMO_DAYS_AHEAD, banner, shown
from .fhir_validator import HAPI_FHIR_VERSION, ensure_validator_jars
from .kafka import KAFKA_VERSION, TOPIC_PARTITIONS, ensure_kafka_jars
from .kafka_cluster import CLUSTER_PARTITIONS
from .keys import OVERSIGHT, env_name
from .paths import demo_file, repo_root
from .simulator import Simulator
from .stack import LocalStack
from .supervisor import Supervisor

FETCHABLE = ("kafka", "fhir-validator")
MAKE_STARTED = "MAKE_RUN_STARTED_AT"  # seconds since the epoch, set by `make run`: its time to ready


def parser(environ: Mapping[str, str] = os.environ) -> argparse.ArgumentParser:
    """Every command and option, each with its help; defaults from the documented variables."""
    top = argparse.ArgumentParser(prog="devstack", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="Kafka, store, SMTP and SMS sinks and the five services, supervised")
    cluster = commands.add_parser("cluster", help="the same on a three-node Kafka cluster, two replicas of "
                                                  "every service (`run --brokers 3 --replicas 2`)")
    infra = commands.add_parser("infra", help="only Kafka, the store and the SMTP and SMS sinks")
    default = lambda option, fallback: environment.option_default(option, fallback, environ)  # noqa: E731
    for command, brokers, replicas in ((run, 1, 1), (cluster, 3, 2), (infra, 1, 1)):
        if command is not infra:
            _service_options(command, replicas, default)
        command.add_argument("--brokers", type=int, choices=(1, 3), default=brokers,
                             help=f"Kafka nodes: 1, or a cluster of 3 (three copies of each topic; default {brokers})")
        command.add_argument("--partitions", type=int, default=CLUSTER_PARTITIONS,
                             help=f"partitions per topic on a cluster (default {CLUSTER_PARTITIONS}; one broker: "
                                  f"{TOPIC_PARTITIONS}); at least the replicas of a service, or some idle")
        command.add_argument("--kafka-bootstrap-servers", default=default("kafka_bootstrap_servers", None),
                             help="use this broker, do not start one (default: $KAFKA_BOOTSTRAP_SERVERS; "
                                  "the admin's login from $KAFKA_SASL_USERNAME / $KAFKA_SASL_PASSWORD)")
        command.add_argument("--mongodb-url", default=default("mongodb_url", None),
                             help="use this MongoDB, do not start a store (default: $MONGODB_URL)")
    for name, what in (("status", "show every process of the running stack: state, pid, restarts, /ready"),
                       ("restart", "stop one process of the running stack gracefully and start it again")):
        command = commands.add_parser(name, help=what)
        if name == "restart":
            command.add_argument("part", help="intake, triage, tracking, notifier, oversight, kafka, store, "
                                              "smtp-sink or sms-sink")
        command.add_argument("--run-dir", type=Path, default=None,
                             help="the run's directory (default: the newest running one under .run/)")
    fetch = commands.add_parser("fetch", help=f"only download Apache Kafka {KAFKA_VERSION}'s jars and the HAPI "
                                              f"FHIR {HAPI_FHIR_VERSION} validator's (for the tests)")
    fetch.add_argument("what", nargs="*", metavar="kafka|fhir-validator",
                       help="only these (default: both; `make run` needs only kafka)")
    return top


def _service_options(command: argparse.ArgumentParser, replicas: int, default) -> None:
    """The options of a stack with services (run, cluster); defaults from the documented variables."""
    command.add_argument("--directory", type=Path, default=Path(default("directory", demo_file("hsds"))),
                         help="Open Referral HSDS 3.0: a folder of CSV tables or a JSON file "
                              "(default: $DIRECTORY_PATH, else the demo partnership's)")
    extension = default("directory_extension", None)
    command.add_argument("--directory-extension", type=Path, default=Path(extension) if extension else None,
                         help="its extension file (default: $DIRECTORY_EXTENSION_PATH, else "
                              "referral-extension.yaml beside it)")
    command.add_argument("--policy", type=Path, default=Path(default("policy", demo_file("policy.yaml"))),
                         help="the partnership policy file, checked before anything starts "
                              "(default: $POLICY_PATH, else deploy/demo/policy.yaml)")
    command.add_argument("--log-level", default=default("log_level", "INFO"),
                         help="the services' log level: DEBUG, INFO, WARNING or ERROR (default: $LOG_LEVEL, else INFO)")
    command.add_argument("--no-demo-activity", action="store_true",
                         help=f"start empty, on the wall clock (no simulated agencies; the demo otherwise moves "
                              f"the platform's clock {DEMO_DAYS_AHEAD} days on)")
    command.add_argument("--replicas", type=int, default=replicas,
                         help=f"processes of each service, in its consumer groups (default {replicas})")


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(environ).parse_args(argv)
    if args.command == "fetch":
        if unknown := set(args.what) - set(FETCHABLE):
            print(f"devstack fetch: {', '.join(sorted(unknown))}: not one of {', '.join(FETCHABLE)}", file=sys.stderr)
            return 2
        return _fetch(args.what or list(FETCHABLE))
    if args.command in ("status", "restart"):
        return _control(args)
    for note in environment.notes_on_overrides(args, environment.given_options(argv), environ):
        print(f"devstack: {note}", file=sys.stderr)
    if args.command in ("run", "cluster") and not _usable(args.directory, args.directory_extension, args.policy):
        return 2
    if refused := environment.refusals(environ):
        print("devstack: cannot start:\n" + "\n".join(f"  {line}" for line in refused), file=sys.stderr)
        return 2
    return _run(args, environ)


def _run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    started = time.monotonic()
    stack = LocalStack(
        with_services=args.command in ("run", "cluster"),
        directory_path=getattr(args, "directory", None),
        directory_extension_path=getattr(args, "directory_extension", None),
        policy_path=getattr(args, "policy", None),
        kafka_bootstrap_servers=args.kafka_bootstrap_servers,
        mongodb_url=args.mongodb_url,
        log_level=getattr(args, "log_level", "INFO"),
        demo_clock=args.command in ("run", "cluster") and not args.no_demo_activity,
        brokers=args.brokers,
        replicas=getattr(args, "replicas", 1),
        partitions=args.partitions,
    )
    print(f"Starting the local stack; logs and data in {shown(stack.run_dir)} ...", flush=True)
    try:
        with stack:
            ready_after = time.monotonic() - started
            print(banner(stack, ready_after=ready_after, since_make=_since_make(environ)), flush=True)
            if stack.clock is not None:
                threading.Thread(target=_demo_activity, args=(stack,), daemon=True).start()
            return _supervise(stack, ready_after)
    except KeyboardInterrupt:
        return 0  # Ctrl-C is the normal way out; everything is already stopped here
    except (RuntimeError, FileNotFoundError) as error:  # StartupError carries the log tail
        print(f"\ndevstack: {error}", file=sys.stderr)
        return 1
    finally:
        print("Stopped; no process of the stack is left running.", flush=True)


def _since_make(environ: Mapping[str, str]) -> float | None:
    try:
        return time.time() - float(environ[MAKE_STARTED])
    except (KeyError, ValueError):
        return None


def _supervise(stack: LocalStack, ready_after: float) -> int:
    """Until Ctrl-C / SIGTERM (raised as exceptions by LocalStack): restart what dies, take restart
    requests, and keep stack.json current for `devstack status`."""
    supervisor = Supervisor(stack.parts(), stack.run_dir / "supervisor.log",
                            say=lambda line: print(line, file=sys.stderr, flush=True))
    started = time.time() - ready_after
    control.write_state(stack.run_dir, supervisor.summary(), started=started, ready_after=ready_after)
    while True:
        if supervisor.tick(control.restart_requests(stack.run_dir)):
            control.write_state(stack.run_dir, supervisor.summary(), started=started, ready_after=ready_after)
        time.sleep(0.5)


def _control(args: argparse.Namespace) -> int:
    try:
        run_dir, state = control.running_stack(repo_root() / ".run", args.run_dir)
        if args.command == "restart":
            held = control.request_restart(run_dir, state, args.part)
            print(f"{args.part} restarted: pid {held['pid']}, ready ({held['restarts']} restarts in this run)")
            return 0
        print("\n".join(control.status_lines(run_dir, state)))
        return 0
    except (control.NoRunningStack, KeyError, TimeoutError) as problem:
        print(f"devstack: {problem.args[0] if problem.args else problem}", file=sys.stderr)
        return 1


def _fetch(what: list[str]) -> int:
    try:
        if "kafka" in what:
            print(f"Kafka {KAFKA_VERSION} jars: {ensure_kafka_jars()}")
        if "fhir-validator" in what:
            print(f"HAPI FHIR {HAPI_FHIR_VERSION} validator jars: {ensure_validator_jars()}")
    except RuntimeError as error:  # no mvn, or Maven Central unreachable
        print(f"devstack: {error}", file=sys.stderr)
        return 1
    return 0


def _usable(directory: Path, extension: Path | None, policy: Path) -> bool:
    """Check the partnership's files before starting anything: every problem named, no traceback."""
    try:
        hsds = directory.is_dir() or directory.suffix == ".json"
        _, warnings = read_directory(directory, extension) if hsds else (None, [])
        load_policy(policy)
    except (ConfigurationProblem, FileNotFoundError) as unusable:
        print(f"devstack: cannot start: {unusable}", file=sys.stderr)
        return False
    for warning in warnings:
        print(f"devstack: {warning}", file=sys.stderr)
    return True


def _demo_activity(stack: LocalStack) -> None:
    try:
        done = Simulator(stack.service_urls, stack.keys, stack.clock).run()
    except Exception as error:  # noqa: BLE001 - the platform stays up; say what went wrong
        print(f"\ndemo activity stopped: {error}", file=sys.stderr, flush=True)
        return
    print(f"\nDemo activity loaded: {dict(done)}. The platform's clock now runs {DEMO_DAYS_AHEAD} days ahead of "
          f"the wall clock (so last week's untouched referrals are overdue and escalated). Open the dashboard "
          f"at the address this prints:\n"
          f"  source {shown(stack.keys.env_path)} && echo \"{stack.service_urls['oversight']}"
          f"/v1/oversight/dashboard#key=${env_name(OVERSIGHT)}\"",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
