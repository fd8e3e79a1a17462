"""What a process asks of its store, counted from the driver's command monitoring (pymongo's
`CommandListener`): the engine-independent figures of `make bench` (BENCHMARKS.md, "Store commands").

Whatever the store's speed, these are what a partnership running real MongoDB pays for: the round
trips (commands by name), the documents written, and which fields each write names, from which the
bench works out the index entries the writes may maintain (every index for an inserted, deleted
or replaced document; for an update, each index with a field the update names).

Off unless STORE_COMMAND_COUNTS=1 (service_kit.app.start registers the listener before the service
builds its client); the counts are Prometheus counters on the service's /metrics:
- `referral_store_commands_total{database, collection, command}`: commands sent, one per round trip
  (a bulk write of many documents is one `update`); handshakes and heartbeats are not commands here;
- `referral_store_documents_written_total{database, collection, command, fields}`: documents
  inserted, changed, upserted or deleted, as the store answered; `fields` names the top-level fields
  the write names, comma-separated, or `*` for a whole document (an insert, a delete, a replacement,
  an upsert's new document).
"""

from __future__ import annotations

import threading

from prometheus_client import Counter
from pymongo import monitoring

COMMANDS = Counter("referral_store_commands", "Store commands sent (round trips), by database, collection and command.",
                   ["database", "collection", "command"])
DOCUMENTS_WRITTEN = Counter("referral_store_documents_written",
                            "Documents written, by database, collection, command and the top-level fields the "
                            "write names (* for a whole document).", ["database", "collection", "command", "fields"])

NOT_COUNTED = frozenset({"hello", "ismaster", "isMaster", "ping", "saslStart", "saslContinue", "endSessions",
                         "buildInfo", "getLastError", "killCursors"})
WHOLE = "*"
_UPDATE_OPERATORS_NAMING_FIELDS = ("$set", "$unset", "$inc", "$push", "$addToSet", "$pull", "$pullAll", "$pop",
                                   "$min", "$max", "$mul", "$rename", "$currentDate")


def fields_named(update: object) -> str:
    """The top-level fields an update names (`*`: it replaces the document, or is a pipeline)."""
    if not isinstance(update, dict) or not update or not all(k.startswith("$") for k in update):
        return WHOLE
    named: set[str] = set()
    for operator in _UPDATE_OPERATORS_NAMING_FIELDS:
        for path in update.get(operator) or {}:
            named.add(path.split(".", 1)[0])
    return ",".join(sorted(named)) or WHOLE


class StoreCommandCounter(monitoring.CommandListener):
    """Counts each command when it is sent and, when it succeeds, the documents it wrote."""

    def __init__(self) -> None:
        self._pending: dict[tuple[object, int], tuple[str, str, str, str, str]] = {}
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name in NOT_COUNTED:
            return
        command = event.command
        collection = command.get("collection") if name == "getMore" else command.get(name)
        collection = collection if isinstance(collection, str) else ""
        COMMANDS.labels(event.database_name, collection, name).inc()
        shape = _written_shape(name, command)
        if shape is not None:
            with self._lock:
                self._pending[(event.connection_id, event.request_id)] = (
                    event.database_name, collection, name, *shape)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        with self._lock:
            pending = self._pending.pop((event.connection_id, event.request_id), None)
        if pending is None:
            return
        database, collection, name, fields, fields_if_whole = pending
        changed, whole = _documents_written(name, event.reply)
        if changed:
            DOCUMENTS_WRITTEN.labels(database, collection, name, fields).inc(changed)
        if whole:
            DOCUMENTS_WRITTEN.labels(database, collection, name, fields_if_whole).inc(whole)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        with self._lock:
            self._pending.pop((event.connection_id, event.request_id), None)


def _written_shape(name: str, command: dict) -> tuple[str, str] | None:
    """(the fields a document changed in place is written in, those of one written whole: inserted,
    upserted or deleted) for a write; None for a command that writes nothing.
    A bulk update whose statements name different fields counts the union (an upper bound)."""
    if name in ("insert", "delete"):
        return WHOLE, WHOLE
    if name == "update":
        named = {fields_named(statement.get("u")) for statement in command.get("updates", [])}
        return (WHOLE if WHOLE in named else ",".join(sorted({f for n in named for f in n.split(",") if f}))) or WHOLE, WHOLE
    if name == "findAndModify":
        return (WHOLE if command.get("remove") else fields_named(command.get("update"))), WHOLE
    return None


def _documents_written(name: str, reply: dict) -> tuple[int, int]:
    """(documents changed in place, documents written whole: inserted, upserted or deleted) by a
    write, as the store answered it."""
    if name in ("insert", "delete"):
        return 0, int(reply.get("n", 0))
    if name == "update":
        upserted = len(reply.get("upserted") or [])
        return int(reply.get("nModified", reply.get("n", 0) - upserted)), upserted
    if name == "findAndModify":
        last = reply.get("lastErrorObject") or {}
        if "upserted" in last:
            return 0, 1
        return (1 if last.get("n") and reply.get("value") is not None else 0), 0
    return 0, 0


_registered: list[StoreCommandCounter] = []


def count_store_commands() -> StoreCommandCounter:
    """Register the counter for every client this process creates from now on (once)."""
    if not _registered:
        _registered.append(StoreCommandCounter())
        monitoring.register(_registered[0])
    return _registered[0]
