"""`referral-ops`: one command line for the platform's operators. Every command has --help;
addresses and keys come from options or the environment (never from files in the repository).
Kafka commands log in as KAFKA_SASL_MECHANISM / KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD say
(the environment only: a password on a command line is visible to every local user)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Annotated

import httpx
import typer
from aiokafka import AIOKafkaConsumer
from confluent_kafka import KafkaException
from rich.console import Console
from rich.table import Table

from referral_contracts.codec import readable_json
from referral_contracts.directory import Directory
from referral_contracts.hsds import DirectoryProblems, read_directory
from referral_contracts.listings import directory_diff

from .acls import apply_acls, given_passwords, password_variable, platform_acls, principals, upsert_scram_users
from .directory_import import CurrentDirectoryUnknown, current_directory, publish_import
from .login import KafkaLogin
from .topics import TopicsNotCreated, apply_topics, platform_topics

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
console = Console(soft_wrap=True)  # problems and diffs one per line, whatever the terminal's width
Bootstrap = Annotated[str, typer.Option(envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers.")]
Key = Annotated[str, typer.Option(envvar="REFERRAL_API_KEY", help="An API key (Authorization: Bearer).")]
Extension = Annotated[Path | None, typer.Option(envvar="DIRECTORY_EXTENSION_PATH",
                                               help="The directory's extension file (default: beside it).")]


@app.command("apply-topics")
def apply_topics_command(
    directory: Annotated[Path, typer.Option(help="HSDS directory: each agency gets its own topics.")],
    bootstrap: Bootstrap = "127.0.0.1:9092", extension: Extension = None,
    partitions: int = 3, replication: int = 1,
) -> None:
    """Create every topic of the platform that does not exist yet, with its retention and cleanup."""
    wanted = platform_topics(_directory(directory, extension))
    try:
        created = asyncio.run(apply_topics(KafkaLogin.from_environment(bootstrap), wanted, partitions=partitions,
                                           replication=replication))
    except TopicsNotCreated as refused:
        console.print(f"[red]{refused}[/red]", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"{len(wanted)} topics declared, {len(created)} created: {', '.join(created) or 'none'}")


@app.command("apply-acls")
def apply_acls_command(
    directory: Annotated[Path, typer.Option(help="HSDS directory: each agency gets its principal's ACLs.")],
    bootstrap: Bootstrap = "127.0.0.1:9092", extension: Extension = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only print the ACLs, change nothing.")] = False,
) -> None:
    """Grant each service and each agency exactly the topics and groups it uses (the table in
    referral_contracts.topology), as Kafka ACLs; ACLs already there are left as they are. Needs a
    login allowed to alter ACLs (a super user)."""
    wanted = platform_acls(agency.id for agency in _directory(directory, extension).agencies)
    if dry_run:
        for acl in wanted:
            console.print(str(acl), highlight=False)
        console.print(f"{len(wanted)} ACLs (dry run: nothing applied)")
        return
    try:
        added, unlisted = apply_acls(KafkaLogin.from_environment(bootstrap), wanted)
    except KafkaException as refused:  # e.g. a login that may not alter ACLs
        error = refused.args[0] if refused.args else None  # a KafkaError: its name says the rule
        console.print(f"[red]Kafka refused: {error.name() if error is not None else refused}[/red]")
        raise typer.Exit(1) from None
    for acl in added:
        console.print(f"added {acl}", highlight=False)
    for acl in unlisted:
        console.print(f"[yellow]not in the table, left as it is: {acl}[/yellow]", highlight=False)
    console.print(f"{len(wanted)} ACLs declared, {len(added)} added")


@app.command("apply-users")
def apply_users_command(
    directory: Annotated[Path, typer.Option(help="HSDS directory: each agency is a principal too.")],
    bootstrap: Bootstrap = "127.0.0.1:9092", extension: Extension = None,
) -> None:
    """Give each service and each agency its SCRAM-SHA-512 login, with the password the environment
    gives it (KAFKA_PASSWORD_<NAME>: KAFKA_PASSWORD_INTAKE, KAFKA_PASSWORD_GP_NORTH, ...; never an
    option, which other local users could read); a principal given none gets no login, and is named.
    Sets the password of a login that exists. Needs a super user's login (KAFKA_SASL_*)."""
    names = principals(agency.id for agency in _directory(directory, extension).agencies)
    given, missing = given_passwords(names, os.environ)
    try:
        upsert_scram_users(KafkaLogin.from_environment(bootstrap), given)
    except RuntimeError as refused:
        console.print(f"[red]{refused}[/red]", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"{len(given)} logins made or updated: {', '.join(given) or 'none'}", highlight=False)
    if missing:
        console.print(f"[yellow]no password given, so no login: {', '.join(missing)} "
                      f"(set {password_variable(missing[0])}, ...)[/yellow]", highlight=False)


@app.command("import-directory")
def import_directory(
    path: Annotated[Path, typer.Argument(help="Open Referral HSDS 3.0: a folder of CSV files or a JSON file.")],
    extension: Extension = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would change; publish nothing.")] = False,
    triage: Annotated[str, typer.Option(envvar="TRIAGE_URL", help="Triage's URL: the directory in use.")] = "",
    key: Annotated[str, typer.Option(envvar="REFERRAL_API_KEY", help="An oversight or triage desk key.")] = "",
    bootstrap: Bootstrap = "127.0.0.1:9092", partitions: int = 3, replication: int = 1,
) -> None:
    """Check a directory (every problem by file, row and column) and show what it holds; with
    --triage (TRIAGE_URL), show what it changes in the directory the platform uses now and, unless
    --dry-run, publish the changes: triage and the notifier take them as they run, no restart."""
    new = _directory(path, extension)
    _show(new)
    if not triage:
        return
    try:
        diff = directory_diff(current_directory(triage, key), new)
    except CurrentDirectoryUnknown as unknown:
        console.print(f"[red]{unknown}[/red]")
        raise typer.Exit(1) from None
    for line in diff.lines or ["no change"]:
        console.print(line, highlight=False)
    if dry_run or diff.empty:
        console.print("dry run: nothing published" if dry_run else "nothing to publish")
        return
    try:
        published = asyncio.run(publish_import(KafkaLogin.from_environment(bootstrap), diff, new,
                                               partitions=partitions, replication=replication))
    except TopicsNotCreated as refused:  # nothing was published: the import can simply be run again
        console.print(f"[red]{refused}; nothing published, run the import again[/red]", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"{published} events published")
    if diff.added:
        console.print(f"new agencies given their topics and ACLs: {', '.join(diff.added)}; "
                      "each needs a Kafka login of its own before it can connect")


def _directory(path: Path, extension: Path | None) -> Directory:
    """The directory at `path`, its warnings shown; every problem shown and exit 2 if unusable."""
    try:
        directory, warnings = read_directory(path, extension)
    except (DirectoryProblems, FileNotFoundError) as problems:
        console.print(f"[red]{problems}[/red]", highlight=False)
        raise typer.Exit(2) from None
    for warning in warnings:
        console.print(f"[yellow]{warning}[/yellow]", highlight=False)
    return directory


def _show(directory: Directory) -> None:
    table = Table("agency", "service", "type", "capacity", "leads")
    for agency in directory.agencies:
        for service in agency.services:
            table.add_row(agency.id, service.id, service.service_type or "(none)", service.capacity.value,
                          ", ".join(sorted({lead.role.value for lead in agency.leads})))
    console.print(table)
    console.print(f"{len(directory.agencies)} agencies, {sum(len(a.services) for a in directory.agencies)} services")


@app.command()
def replay(database: Annotated[str, typer.Option(help="A new database to rebuild tracking into.")]) -> None:
    """Rebuild tracking's store from the Kafka log (tracking's settings from the environment)."""
    from tracking.replay.main import main as replay_main

    raise typer.Exit(replay_main(["--database", database]))


@app.command()
def submit(
    file: Annotated[Path, typer.Argument(help="A referral as JSON (the body of POST /v1/referrals).")],
    key: Key, intake: Annotated[str, typer.Option(envvar="INTAKE_URL")] = "http://127.0.0.1:8001",
) -> None:
    """Submit a sample referral to intake and print the referral id it answers."""
    response = httpx.post(f"{intake}/v1/referrals", json=json.loads(file.read_text()),
                          headers={"Authorization": f"Bearer {key}"}, timeout=15)
    if response.status_code != 202:
        console.print(f"[red]{response.status_code}: {response.text}[/red]")
        raise typer.Exit(1)
    console.print(response.json()["referral_id"])


@app.command()
def tail(
    topic: Annotated[str, typer.Argument(help="e.g. referral.milestones.v1")], bootstrap: Bootstrap = "127.0.0.1:9092",
    limit: Annotated[int, typer.Option(help="Stop after this many records.")] = 20,
    from_beginning: bool = False, wait: Annotated[float, typer.Option(help="Seconds to wait for records.")] = 5.0,
) -> None:
    """Show a topic's records readably: when, type, referral, who acted, and the dead-letter reason."""
    for line in asyncio.run(_tail(topic, bootstrap, limit, from_beginning, wait)):
        console.print(line, highlight=False)


async def _tail(topic: str, bootstrap: str, limit: int, from_beginning: bool, wait: float) -> list[str]:
    consumer = AIOKafkaConsumer(topic, **KafkaLogin.from_environment(bootstrap).aiokafka(), enable_auto_commit=False,
                                group_id=None, auto_offset_reset="earliest" if from_beginning else "latest")
    await consumer.start()
    lines: list[str] = []
    try:
        while len(lines) < limit:
            batch = await consumer.getmany(timeout_ms=int(wait * 1000), max_records=limit - len(lines))
            if not batch:
                break
            lines += [_readable(record) for records in batch.values() for record in records]
    finally:
        await consumer.stop()
    return lines


def _readable(record) -> str:
    headers = {k: v.decode(errors="replace") for k, v in record.headers or []}
    try:
        event = readable_json(record.value)
        actor = event.get("actor") or {}
        what = f"{event.get('event_type')} v{event.get('schema_version')} referral {event.get('referral_id')} " \
               f"by {actor.get('agency_id')}{' (' + actor['person'] + ')' if actor.get('person') else ''}" \
               f" at {event.get('occurred_at')}"
    except (TypeError, AttributeError):  # not a JSON object (unreadable bytes give None)
        what = f"{len(record.value or b'')} bytes that are not an event"
    reason = f" | dead letter: {headers['dlq-reason']}" if "dlq-reason" in headers else ""
    return f"{record.topic}[{record.partition}]@{record.offset} {what}{reason}"


@app.command()
def timeline(
    referral_id: str, key: Key, tracking: Annotated[str, typer.Option(envvar="TRACKING_URL")] = "http://127.0.0.1:8003",
) -> None:
    """Show a referral's state, who is accountable, and its timeline."""
    response = httpx.get(f"{tracking}/v1/referrals/{referral_id}", headers={"Authorization": f"Bearer {key}"},
                         timeout=15)
    if response.status_code != 200:
        console.print(f"[red]{response.status_code}: {response.json().get('detail')}[/red]")
        raise typer.Exit(1)
    view = response.json()
    accountable = ", ".join(f"{a['agency_id']} ({a['role']})" for a in view["accountable"]) or "nobody (closed)"
    console.print(f"{view['client_reference']}: {view['state']}; accountable: {accountable}")
    table = Table("at", "agency", "what")
    for entry in view["timeline"]:
        refused = f" [red](refused: {entry['refused']})[/red]" if entry.get("refused") else ""
        table.add_row(entry["at"], entry["agency_id"], entry["what"] + refused)
    console.print(table)
