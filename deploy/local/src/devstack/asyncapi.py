"""The AsyncAPI 3.0 documents, written from the contracts (never from FastStream's introspection,
which sees raw batches and no headers):

- `agency.asyncapi.json`: what an agency's system does: send to its two inbound topics, receive from
  its outbound topic, with the ACLs that allow exactly that (topology.agency_use);
- `platform.asyncapi.json`: every topic of the platform with its dead-letter twin, which service
  sends and which receives each (topology.service_use, the one table of who reads and writes what).

Payloads are the released contracts (catalog), headers codec's, keys and topic settings topics'.
`tools/asyncapi/validate.mjs` checks both with the AsyncAPI Initiative's parser.
"""

from __future__ import annotations

from importlib.metadata import version

from referral_contracts import catalog, codec, topics
from referral_contracts.topology import SERVICE_NAMES, Prefix, TopicUse, agency_group_prefix, agency_use, service_use

from .asyncapi_parts import (
    AGENCY,
    DEAD_LETTER_MESSAGE,
    KAFKA_BINDING,
    Json,
    channel_id,
    message,
    payload_schemas,
    released_file,
    topic_binding,
)

ASYNCAPI = "3.0.0"
SCRAM = "scramSha512"
AGENCY_ID_PATTERN = "^[a-z0-9][a-z0-9-]*$"  # referral_contracts.envelope.Actor.agency_id

# What an agency does on each of its topics, in its own words.
AGENCY_SUMMARIES = {
    topics.REFERRALS_INBOUND: "Send a referral: the body of POST /v1/referrals. Its source_agency_id must be your "
                              "agency; the same client_reference sent again with new content is a revision.",
    topics.MILESTONES_INBOUND: "Report a milestone: the body of POST /v1/referrals/{id}/milestones with its "
                               "referral_id. Its actor.agency_id must be your agency and actor.person is required.",
    topics.REFERRALS_OUTBOUND: "Hear back: a receipt for each referral you sent, a refusal for each inbound record "
                               "not taken (naming every problem), and the changes in referrals you have a part in.",
}


def address(name: str | Prefix) -> str:
    """A topology entry as a channel address: an agency family's prefix becomes its parameterised
    channel (`referrals.inbound.v1.` -> `referrals.inbound.v1.{agencyId}`)."""
    return name.value + AGENCY if isinstance(name, Prefix) else name


def _service_uses() -> dict[str, TopicUse]:
    # Built for the agency `{agencyId}`, so names the table gives per agency are channel addresses.
    return {service: service_use(service, [AGENCY]) for service in SERVICE_NAMES}


def _who(target: str, uses: dict[str, TopicUse]) -> tuple[list[str], list[str]]:
    """Who writes and who reads `target`: the services, and the agency whose topic it is."""
    everyone = uses | {f"agency `{AGENCY}`": agency_use(AGENCY)}
    writers = [s for s, use in everyone.items() if target in map(address, use.writes)]
    readers = [s for s, use in everyone.items() if target in map(address, use.reads)]
    return writers, readers


def _kept(target: str) -> str:
    config = topics.topic_config(target.replace(AGENCY, "example-agency"))
    days = int(config["retention.ms"]) // topics.DAYS
    return ("for good" if days < 0 else f"{days} days") + (", compacted" if config["cleanup.policy"] == "compact" else "")


class _Document:
    """Channels, messages and operations of one document; component schemas for its payloads only."""

    def __init__(self, targets: list[str]) -> None:
        models = list(dict.fromkeys(m for t in targets if not t.endswith(topics.DEAD_LETTER_SUFFIX)
                                    for m in catalog.carried_by(t)))
        self.payloads, self.schemas = payload_schemas(models)
        self.channels: Json = {}
        self.messages: Json = {}
        self.operations: Json = {}

    def channel(self, target: str, description: str) -> str:
        key = channel_id(target)
        if key in self.channels:
            return key
        if target.endswith(topics.DEAD_LETTER_SUFFIX):
            carried = {DEAD_LETTER_MESSAGE["name"]: DEAD_LETTER_MESSAGE}
        else:
            carried = {released_file(m)[0]: message(m, self.payloads[m]) for m in catalog.carried_by(target)}
        self.messages.update(carried)
        self.channels[key] = {
            "address": target,
            "description": description,
            "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in carried},
            **({"parameters": {"agencyId": {"$ref": "#/components/parameters/agencyId"}}} if AGENCY in target else {}),
            "bindings": topic_binding(target),
        }
        return key

    def operation(self, key: str, action: str, target: str, summary: str, **extra: object) -> None:
        channel = channel_id(target)
        self.operations[key] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": summary,
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"} for name in self.channels[channel]["messages"]],
            **extra,
        }

    def render(self, info: Json, security_description: str) -> Json:
        return {
            "asyncapi": ASYNCAPI,
            "info": info,
            "defaultContentType": codec.JSON,
            "servers": {"partnership": _server()},
            "channels": self.channels,
            "operations": self.operations,
            "components": {
                "schemas": self.schemas,
                "messages": self.messages,
                "parameters": {"agencyId": {
                    "description": "An agency's id in the partnership directory (lower-case letters, digits and "
                                   f"hyphens: {AGENCY_ID_PATTERN}), also its Kafka principal `User:<agencyId>`.",
                    "examples": ["gp-north"]}},
                "correlationIds": {codec.HEADER_CORRELATION_ID: {
                    "description": "The correlation header, equal to the envelope's correlation_id.",
                    "location": f"$message.header#/{codec.HEADER_CORRELATION_ID}"}},
                "securitySchemes": {SCRAM: {"type": SCRAM, "description": security_description}},
            },
        }


def _server() -> Json:
    return {
        "host": "{bootstrap}",
        "protocol": "kafka-secure",
        "description": "The partnership's Kafka: SASL SCRAM-SHA-512 over TLS. Each principal (an agency, a "
                       "platform service) has its own username and password, issued out of band.",
        "variables": {"bootstrap": {"description": "Bootstrap servers, given when an agency joins.",
                                    "examples": ["kafka.partnership.example:9093"]}},
        "security": [{"$ref": f"#/components/securitySchemes/{SCRAM}"}],
    }


def _names(entries: tuple[str | Prefix, ...]) -> str:
    return ", ".join(f"`{address(e)}`" for e in entries) or "nothing"


def agency_document() -> Json:
    """What an agency's system sends and receives, from its point of view."""
    use, uses = agency_use(AGENCY), _service_uses()
    plan = [("send", address(t)) for t in use.writes] + [("receive", address(t)) for t in use.reads]
    doc = _Document([target for _, target in plan])
    for action, target in plan:
        writers, readers = _who(target, uses)
        side = f"read by {', '.join(readers)}" if action == "send" else f"written by {', '.join(writers)}"
        doc.channel(target, f"Your agency's own topic, {side}; kept {_kept(target)}.")
        family = catalog.family(target)
        assert family is not None, target
        doc.operation(f"{action}.{channel_id(target)}", action, target, AGENCY_SUMMARIES[family],
                      **({"bindings": {"kafka": _agency_group()}} if action == "receive" else {}))
    groups = ", ".join(f"`{g.value}`" if isinstance(g, Prefix) else f"`{g}` only" for g in use.groups)
    acl = (f"Your principal `User:{AGENCY}` may write {_names(use.writes)}, read {_names(use.reads)} and join "
           f"consumer groups whose names start with {groups}; nothing else (not another agency's topics, "
           "not the platform's shared `referral.*` topics).")
    return doc.render(_agency_info(acl), acl)


def _agency_group() -> Json:
    """The consumer groups an agency may join: topology.agency_group_prefix, with the agency id's own
    pattern in place of the id."""
    prefix = agency_group_prefix(AGENCY_ID_PATTERN.removeprefix("^").removesuffix("$"))
    return {"groupId": {"type": "string", "pattern": "^" + prefix.replace(".", "\\."),
                        "description": "Starts with your agency id and a dot: the only consumer groups your "
                                       "principal may join.", "examples": [agency_group_prefix("gp-north") + "receipts"]},
            "bindingVersion": KAFKA_BINDING}


def _agency_info(acl: str) -> Json:
    return {
        "title": "Closed-loop referrals: an agency's topics",
        "version": version("referral-contracts"),
        "description": "\n\n".join((
            "What your agency's system sends to the partnership's Kafka and what it hears back. Step by step, "
            "with examples: `docs/agency-integration.md`. Each payload's JSON Schema is also published in "
            "`contracts/schemas/` (inbound/, outbound/).",
            acl,
            "Records are JSON (`content-type: application/json`). Key your records by the referral id, as a string. "
            f"Headers you may send: `{codec.HEADER_CORRELATION_ID}` (a UUID every resulting event carries) and "
            "`traceparent` (W3C). Records you receive carry `event_type` (telling them apart), `schema_version`, "
            f"`{codec.HEADER_CORRELATION_ID}` (equal to the envelope's) and `content-type`.",
            "A record the platform cannot take changes nothing: you receive `inbound.refused` naming every problem.",
        )),
    }


def platform_document() -> Json:
    """Every topic of the platform, and which service sends and receives each."""
    uses = _service_uses()
    targets = [address(t) for use in uses.values() for t in (*use.writes, *use.reads)]
    doc = _Document(list(dict.fromkeys(targets)))
    for service, use in uses.items():
        for action, entries in (("send", use.writes), ("receive", use.reads)):
            for target in map(address, entries):
                doc.channel(target, _platform_channel(target, uses))
                verb = "writes" if action == "send" else "reads"
                groups = [g for g in use.groups if isinstance(g, str)]
                group = {"type": "string", "enum": groups, "description": "The service's consumer group, where it "
                         "joins one (triage re-reads capacity from the start without one, as tracking's replay does)."}
                binding = {"kafka": {"groupId": group, "bindingVersion": KAFKA_BINDING}}
                doc.operation(f"{service}.{action}.{channel_id(target)}", action, target,
                              f"{service} {verb} `{target}`.", tags=[{"name": service}],
                              **({"bindings": binding} if action == "receive" and groups else {}))
    security = ("Each service logs in as its own principal (`User:<service>`) and may do exactly what its operations "
                "here say (referral_contracts.topology, from which Kafka's ACLs are made); each agency as "
                f"`User:{AGENCY}`, on its own topics only (see agency.asyncapi.json).")
    info = {
        "title": "Closed-loop referrals: the platform's topics",
        "version": version("referral-contracts"),
        "description": "Every topic of the platform with its released contracts, and which service writes and reads "
                       "each. Events carry the envelope (event_id, event_type, schema_version, referral_id, "
                       "correlation_id, causation_id, actor, occurred_at, data) and are keyed by referral id; "
                       "a record a consumer refuses goes to the topic's `.dlq` twin, for people to look into. "
                       "JSON Schemas: `contracts/schemas/`.",
    }
    return doc.render(info, security)


def _platform_channel(target: str, uses: dict[str, TopicUse]) -> str:
    writers, readers = _who(target, uses)
    if target.endswith(topics.DEAD_LETTER_SUFFIX):
        source = target.removesuffix(topics.DEAD_LETTER_SUFFIX)
        return (f"Records of `{source}` its consumers refused, written by {', '.join(writers)}; read by people "
                f"(`referral-ops tail`); kept {_kept(target)}.")
    return f"Written by {', '.join(writers)}; read by {', '.join(readers)}; kept {_kept(target)}."


DOCUMENTS = {"agency.asyncapi.json": agency_document, "platform.asyncapi.json": platform_document}
