"""`devstack run | cluster | infra | fetch`: the local platform from one command, stopped by Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from referral_contracts.configuration import ConfigurationProblem
from referral_contracts.directory import Directory
from referral_contracts.hsds import read_directory
from referral_contracts.policy import load_policy

from .fhir_validator import HAPI_FHIR_VERSION, ensure_validator_jars
from .kafka import KAFKA_VERSION, TOPIC_PARTITIONS, ensure_kafka_jars
from .kafka_access import password_variable
from .kafka_cluster import CLUSTER_PARTITIONS
from .keys import env_name
from .paths import demo_file, repo_root
from .walkthrough import Walkthrough, walkthrough
from .simulator import Simulator
from .stack import LocalStack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="Kafka, store, SMTP sink and the five services")
    cluster = commands.add_parser("cluster", help="the same on a three-node Kafka cluster, two replicas of "
                                                  "every service (`run --brokers 3 --replicas 2`)")
    infra = commands.add_parser("infra", help="only Kafka, the store and the SMTP sink")
    for command, brokers, replicas in ((run, 1, 1), (cluster, 3, 2), (infra, 1, 1)):
        if command is not infra:
            _service_options(command, replicas)
        command.add_argument("--brokers", type=int, choices=(1, 3), default=brokers,
                             help=f"Kafka nodes: 1, or a cluster of 3 (three copies of each topic; default {brokers})")
        command.add_argument("--partitions", type=int, default=CLUSTER_PARTITIONS,
                             help=f"partitions per topic on a cluster (default {CLUSTER_PARTITIONS}; one broker: "
                                  f"{TOPIC_PARTITIONS}); at least the replicas of a service, or some idle")
        command.add_argument("--kafka-bootstrap-servers", help="use this broker, do not start one")
        command.add_argument("--mongodb-url", help="use this MongoDB, do not start a store")
    commands.add_parser("fetch", help=f"only download Apache Kafka {KAFKA_VERSION}'s jars and the HAPI FHIR "
                                      f"{HAPI_FHIR_VERSION} validator's (for the tests)")
    args = parser.parse_args(argv)

    if args.command == "fetch":
        try:
            print(f"Kafka {KAFKA_VERSION} jars: {ensure_kafka_jars()}")
            print(f"HAPI FHIR {HAPI_FHIR_VERSION} validator jars: {ensure_validator_jars()}")
        except RuntimeError as error:  # no mvn, or Maven Central unreachable
            print(f"devstack: {error}", file=sys.stderr)
            return 1
        return 0
    with_services = args.command in ("run", "cluster")
    if with_services and not _usable(args.directory, args.directory_extension, args.policy):
        return 2
    stack = LocalStack(
        with_services=with_services,
        directory_path=getattr(args, "directory", None),
        directory_extension_path=getattr(args, "directory_extension", None),
        policy_path=getattr(args, "policy", None),
        kafka_bootstrap_servers=args.kafka_bootstrap_servers,
        mongodb_url=args.mongodb_url,
        log_level=getattr(args, "log_level", "INFO"),
        demo_clock=with_services and not args.no_demo_activity,
        brokers=args.brokers,
        replicas=getattr(args, "replicas", 1),
        partitions=args.partitions,
    )
    print(f"Starting the local stack; logs and data in {_shown(stack.run_dir)} ...", flush=True)
    try:
        with stack:
            print(_banner(stack), flush=True)
            if stack.clock is not None:
                threading.Thread(target=_demo_activity, args=(stack,), daemon=True).start()
            return _wait_until_broken(stack)
    except KeyboardInterrupt:
        return 0  # Ctrl-C is the normal way out; everything is already stopped here
    except (RuntimeError, FileNotFoundError) as error:  # StartupError carries the log tail
        print(f"\ndevstack: {error}", file=sys.stderr)
        return 1
    finally:
        print("Stopped; no process of the stack is left running.", flush=True)


def _service_options(command: argparse.ArgumentParser, replicas: int) -> None:
    command.add_argument("--directory", type=Path, default=demo_file("hsds"),
                         help="Open Referral HSDS 3.0: a folder of CSV tables or a JSON file")
    command.add_argument("--directory-extension", type=Path, default=None,
                         help="its extension file (default: referral-extension.yaml beside it)")
    command.add_argument("--policy", type=Path, default=demo_file("policy.yaml"))
    command.add_argument("--log-level", default="INFO")
    command.add_argument("--no-demo-activity", action="store_true",
                         help="start empty, on the real clock (no simulated agencies)")
    command.add_argument("--replicas", type=int, default=replicas,
                         help=f"processes of each service, in its consumer groups (default {replicas})")


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
    print(f"\nDemo activity loaded: {dict(done)}. The platform's clock now runs 8 days ahead of the wall "
          f"clock (so last week's untouched referrals are overdue and escalated). Open the dashboard:\n"
          f"  {stack.service_urls['oversight']}/v1/oversight/dashboard#key=<PARTNERSHIP_OVERSIGHT_KEY from the keys file>",
          flush=True)


def _wait_until_broken(stack: LocalStack) -> int:
    """Sleep until Ctrl-C/SIGTERM (raised as exceptions by LocalStack) or a process dies."""
    while True:
        exited = stack.exited_processes()
        if exited:
            for process in exited:
                print(
                    f"\n{process.name} exited with code {process.returncode}; "
                    f"last lines of {_shown(process.log_path)}:\n{process.log_tail()}",
                    file=sys.stderr,
                )
            return 1
        time.sleep(1)


def _walkthrough_lines(walk: Walkthrough, urls: dict[str, str], stack: LocalStack) -> list[str]:
    """Commands that work as pasted: the referral's id is fixed by its sender and reference."""
    json = "-H 'content-type: application/json'"
    sender, lead = f"${env_name(walk.sender)}", f"${env_name(walk.lead)}"
    lines = [
        "",
        "  Each agency has an API key, issued for this run (never stored in the repository):",
        f"    source {_shown(stack.keys.env_path)}",
        "",
        f"  Submit a referral as {walk.sender}, then read it back (its id is fixed by the sender's reference):",
        f"    curl -sS -X POST {urls['intake']}/v1/referrals {json} -H \"Authorization: Bearer {sender}\" "
        f"-d @{_shown(walk.referral)}",
        f"    curl -sS -H \"Authorization: Bearer {sender}\" {urls['tracking']}/v1/referrals/{walk.referral_id}",
        "",
        f"  Close the loop as the lead agency ({walk.lead}), then read it again and look in the maildir:",
        f"    for m in {_shown(walk.milestones)}/*.json; do curl -sS -X POST {json} "
        f"-H \"Authorization: Bearer {lead}\" {urls['tracking']}/v1/referrals/{walk.referral_id}/milestones "
        "-d @$m; echo; done",
    ]
    if stack.kafka_access and stack.kafka_access.env_path:
        client = _shown(repo_root() / "examples" / "agency_client" / "agency_client.py")
        lines += ["", "  Or as an agency's own system on Kafka, with its own login (docs/agency-integration.md):",
                  f"    KAFKA_SASL_USERNAME={walk.sender} KAFKA_SASL_PASSWORD=${password_variable(walk.sender)} "
                  f".venv/bin/python {client} send-referral {_shown(walk.referral)}"]
    return lines


def _banner(stack: LocalStack) -> str:
    urls = stack.service_urls
    walk = walkthrough(Directory.load(stack.directory_path, stack.directory_extension_path),
                       stack.run_dir / "walkthrough") if urls else None
    rows = []
    for name, url in urls.items():
        docs = f"   (API docs: {url}/docs)" if name in ("intake", "tracking", "oversight") else ""
        rows.append((f"{name} HTTP API", url + docs))
    rows += [
        ("Kafka bootstrap servers", stack.kafka_bootstrap_servers or ""),
        ("MongoDB URL", stack.mongodb_url or ""),
    ]
    if stack.smtp:
        rows += [
            ("SMTP sink", f"{stack.smtp.host}:{stack.smtp.port}"),
            ("Sent e-mail (.eml files)", str(_shown(stack.smtp.maildir))),
        ]
    if stack.sms:
        rows += [("SMS provider (local sink)", stack.sms.url), ("Sent SMS (JSON lines)", str(_shown(stack.sms.outbox)))]
    what = "referral platform" if urls else "infrastructure (no services)"
    lines = ["", f"The local {what} is up.", ""]
    lines += [f"  {label:<26} {value}" for label, value in rows]
    lines += [
        "",
        "  To use it from another shell (tests pick these up too):",
        f"    export KAFKA_BOOTSTRAP_SERVERS={stack.kafka_bootstrap_servers}",
        f"    export MONGODB_URL={stack.mongodb_url}",
    ]
    if stack.kafka_access and stack.kafka_access.env_path:
        lines += [
            "  Kafka asks who you are (SASL/SCRAM-SHA-512) and allows each principal only its topics (ACLs).",
            "  Logins issued for this run: sourcing these makes your shell the admin (KAFKA_SASL_*, as",
            "  referral-ops and the tests expect), with every service's and agency's password beside it:",
            f"    source {_shown(stack.kafka_access.env_path)}",
        ]
    if "intake" in urls and "tracking" in urls and stack.keys and walk is not None:
        lines += _walkthrough_lines(walk, urls, stack)
    elif "intake" in urls:
        lines += ["", "  No service of this directory can take a referral (active, with a type and capacity)."]
    lines += ["", "Press Ctrl-C to stop everything.", ""]
    return "\n".join(lines)


def _shown(path: Path) -> Path:
    """`path` relative to the current directory when it is inside it (shorter to copy-paste)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


if __name__ == "__main__":
    sys.exit(main())
