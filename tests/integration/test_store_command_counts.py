"""The store's commands as the driver sends them, counted (service_kit.store_commands): what the
benchmark's engine-independent figures are made of, against the real store."""

from __future__ import annotations

from uuid import uuid4

import pytest
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient, UpdateOne

from service_kit.store_commands import StoreCommandCounter, fields_named

pytestmark = pytest.mark.integration


def commands(database: str, collection: str, command: str) -> float:
    return REGISTRY.get_sample_value("referral_store_commands_total", {
        "database": database, "collection": collection, "command": command}) or 0


def written(database: str, collection: str, command: str, fields: str) -> float:
    return REGISTRY.get_sample_value("referral_store_documents_written_total", {
        "database": database, "collection": collection, "command": command, "fields": fields}) or 0


async def test_each_round_trip_is_one_command_and_each_document_written_is_counted_with_the_fields_it_names(
        mongodb_url: str) -> None:
    name = f"counted_{uuid4().hex[:8]}"
    client = AsyncMongoClient(mongodb_url, event_listeners=[StoreCommandCounter()])
    things = client[name]["things"]
    try:
        await things.insert_many([{"_id": i, "a": 0, "b": 0} for i in range(3)])
        await things.bulk_write([UpdateOne({"_id": 0}, {"$set": {"a": 1, "c.d": 2}}),
                                 UpdateOne({"_id": 1}, {"$set": {"a": 0}}),  # matched, changes nothing
                                 UpdateOne({"_id": 9}, {"$set": {"a": 1}}, upsert=True)])
        await things.find_one({"_id": 2})
        await things.find_one_and_update({"_id": 2}, {"$inc": {"b": 1}})
        await things.delete_many({"_id": {"$in": [0, 1]}})
        await things.delete_many({"_id": 42})  # nothing to delete: a command, no document written
    finally:
        await client.drop_database(name)
        await client.close()
    assert [commands(name, "things", c) for c in ("insert", "update", "find", "findAndModify", "delete")] == [1, 1, 1, 1, 2]
    assert written(name, "things", "insert", "*") == 3
    assert written(name, "things", "update", "a,c") == 1  # the unchanged one is not a write
    assert written(name, "things", "update", "*") == 1  # the upsert's new document
    assert written(name, "things", "findAndModify", "b") == 1
    assert written(name, "things", "delete", "*") == 2


def test_an_update_names_its_top_level_fields_and_a_replacement_names_the_whole_document() -> None:
    assert fields_named({"$set": {"view.state": 1, "next": 2}, "$addToSet": {"published": 3}}) == "next,published,view"
    assert fields_named({"state": "closed"}) == "*"
    assert fields_named([{"$set": {"a": 1}}]) == "*"
