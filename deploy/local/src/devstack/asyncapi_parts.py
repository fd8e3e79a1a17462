"""The pieces of the AsyncAPI 3.0 documents, from the contracts themselves: payload schemas (the
pydantic models' JSON Schemas, their `$defs` made AsyncAPI components), headers (codec's names),
Kafka keys and topic settings (topics), and which contracts each topic carries (catalog).

Per-agency topics are one parameterised channel each: a topic name built with the agency id
`{agencyId}` (`topics.referrals_inbound(AGENCY)`) is the channel's address as AsyncAPI writes it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from referral_contracts import codec, topics
from referral_contracts.envelope import ID_NAMESPACE, DirectoryEvent, Event, EventBase
from referral_contracts.schemas import PUBLISHED_EVENTS
from referral_contracts.milestones import MilestoneReport
from referral_contracts.outbound import OUTBOUND_EVENTS
from referral_contracts.referral import ReferralRequest
from referral_contracts.schemas import RELEASED_INBOUND

Json = dict[str, Any]
AGENCY = "{agencyId}"
KAFKA_BINDING = "0.5.0"
SCHEMAS = "#/components/schemas/"
# W3C Trace Context (https://www.w3.org/TR/trace-context/): version-traceid-parentid-flags.
TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"


def channel_id(address: str) -> str:
    """A channel's key in the document: its address, with `agencyId` for the parameter (braces
    would need escaping in every `$ref` that points at it)."""
    return address.replace(AGENCY, "agencyId")


def released_file(model: type[BaseModel]) -> tuple[str, str]:
    """(message id, file under contracts/schemas/) of a released contract."""
    for name, (inbound, version) in RELEASED_INBOUND.items():
        if inbound is model:
            return f"{name}.v{version}", f"inbound/{name}.v{version}.json"
    folder = "events" if model in PUBLISHED_EVENTS else "outbound" if model in OUTBOUND_EVENTS else None
    if folder is None:
        raise KeyError(f"{model.__name__} is no released contract")
    name = f"{model.type_name()}.v{model.version()}"
    return name, f"{folder}/{name}.json"


def payload_schemas(models: list[type[BaseModel]]) -> tuple[dict[type[BaseModel], Json], Json]:
    """Each model's payload (a `$ref`) and the component schemas they need. Events are described as
    written (serialization), inbound records as read (validation), as in contracts/schemas/; one
    call for all, so a model used both ways gets two names (pydantic's `-Input` / `-Output`)."""
    modes: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "serialization" if issubclass(m, EventBase) else "validation") for m in models]
    refs, definitions = models_json_schema(modes, ref_template=SCHEMAS + "{model}")
    return {model: refs[(model, mode)] for model, mode in modes}, definitions.get("$defs", {})


def _header(description: str, **schema: Any) -> Json:
    return {"type": "string", "description": description, **schema}


TRACE_HEADERS: Json = {
    TRACEPARENT: _header("Optional W3C trace context: the trace this record belongs to.",
                         pattern="^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"),
    TRACESTATE: _header("Optional W3C trace state, sent along with traceparent."),
}


def event_headers(model: type[EventBase]) -> Json:
    """What every event record carries in its headers (codec.event_headers), pinned to this event."""
    required = [codec.HEADER_EVENT_TYPE, codec.HEADER_SCHEMA_VERSION, codec.HEADER_CORRELATION_ID,
                codec.HEADER_CONTENT_TYPE]
    return {"type": "object", "required": required, "properties": {
        codec.HEADER_EVENT_TYPE: _header("The envelope's event_type: tells the events of a topic apart.",
                                         const=model.type_name()),
        codec.HEADER_SCHEMA_VERSION: _header("The envelope's schema_version, as text.", const=str(model.version())),
        codec.HEADER_CORRELATION_ID: _header("The envelope's correlation_id, the same UUID: the one correlation "
                                             "header.", format="uuid"),
        codec.HEADER_CONTENT_TYPE: _header("The value is JSON.", const=codec.JSON),
        **TRACE_HEADERS,
    }}


INBOUND_HEADERS: Json = {"type": "object", "properties": {
    codec.HEADER_CORRELATION_ID: _header(
        "Optional: a UUID of yours. Every event this record causes carries it as its correlation_id (and so "
        "does what you read back on your outbound topic); without it the platform starts a new one.", format="uuid"),
    codec.HEADER_CONTENT_TYPE: _header("Optional: the value is JSON.", const=codec.JSON),
    **TRACE_HEADERS,
}}

DEAD_LETTER_HEADERS: Json = {"type": "object", "required": [
    codec.HEADER_DLQ_REASON, codec.HEADER_DLQ_SOURCE_TOPIC, codec.HEADER_DLQ_SOURCE_PARTITION,
    codec.HEADER_DLQ_SOURCE_OFFSET, codec.HEADER_DLQ_CONSUMER], "properties": {
    codec.HEADER_DLQ_REASON: _header("Why the record was refused, naming the fields at fault."),
    codec.HEADER_DLQ_SOURCE_TOPIC: _header("The topic the record was read from."),
    codec.HEADER_DLQ_SOURCE_PARTITION: _header("Its partition, as text.", pattern="^[0-9]+$"),
    codec.HEADER_DLQ_SOURCE_OFFSET: _header("Its offset, as text.", pattern="^[0-9]+$"),
    codec.HEADER_DLQ_CONSUMER: _header("The service that refused it."),
}}


def _key(model: type[BaseModel]) -> Json:
    """The Kafka key of a record of `model` (`partition_key` of the envelope)."""
    if issubclass(model, Event):
        return _header("The referral id (the envelope's referral_id): one referral's records stay in order.",
                       format="uuid")
    if issubclass(model, DirectoryEvent):
        return _header("The directory service's id (the envelope's service_id): compaction keeps its latest.")
    if issubclass(model, EventBase):
        return _header(" ".join((model.__doc__ or "").split()))
    return INBOUND_KEYS[model]


_IN_ORDER = "It keeps one referral's records in order; the platform reads everything else from the value."
INBOUND_KEYS: dict[type[BaseModel], Json] = {
    # referral_contracts.referral.referral_id_for, written out for agencies' own code.
    ReferralRequest: _header(
        "The referral id your client_reference names, as a string: UUID v5 in namespace "
        f"{ID_NAMESPACE} of `referral:<agencyId>:<client_reference>` (the id receipts give back). {_IN_ORDER}",
        format="uuid"),
    MilestoneReport: _header(f"The report's referral_id, as a string. {_IN_ORDER}", format="uuid"),
}


def message(model: type[BaseModel], payload: Json) -> Json:
    """The AsyncAPI message of one released contract."""
    message_id, schema_file = released_file(model)
    is_event = issubclass(model, EventBase)
    doc = " ".join((model.__doc__ or "").split())
    return {
        "name": message_id,
        "title": model.__name__,
        "summary": doc if is_event and doc else f"{model.__name__}, schema version {message_id.rsplit('.v', 1)[1]}.",
        "description": f"JSON Schema: `contracts/schemas/{schema_file}`.",
        "contentType": codec.JSON,
        "headers": event_headers(model) if is_event else INBOUND_HEADERS,
        "payload": payload,
        **({"correlationId": {"$ref": "#/components/correlationIds/correlation_id"}} if is_event else {}),
        "bindings": {"kafka": {"key": _key(model), "bindingVersion": KAFKA_BINDING}},
    }


DEAD_LETTER_MESSAGE: Json = {
    "name": "dead-letter",
    "title": "Dead letter",
    "summary": "A record a consumer refused: its original key and value, byte for byte, with why and where from.",
    "contentType": "application/octet-stream",
    "headers": DEAD_LETTER_HEADERS,
    "payload": {"description": "The refused record's value, unchanged (it may not be JSON)."},
    "bindings": {"kafka": {"key": {"description": "The refused record's key, unchanged."},
                           "bindingVersion": KAFKA_BINDING}},
}


def topic_binding(address: str) -> Json:
    """Kafka's channel binding: what the topic keeps (topics.topic_config, as topics are created)."""
    config = topics.topic_config(address.replace(AGENCY, "example-agency"))
    return {"kafka": {"topicConfiguration": {"cleanup.policy": config["cleanup.policy"].split(","),
                                             "retention.ms": int(config["retention.ms"])},
                      "bindingVersion": KAFKA_BINDING}}
