"""Who reads and who writes each topic: the one table Kafka's ACLs are generated from
(`referral-ops apply-acls`), the AsyncAPI documents are written from, and that a test holds each
service's real subscriptions to.

Names are literal topics, or prefixes (`Prefix`): an agency's topics and their dead-letter twins
all start with the family's name and a dot. Every consumer that joins a group names it; a
consumer without a group (triage's capacity replay) needs READ on the topic only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import topics


@dataclass(frozen=True)
class Prefix:
    """Every topic whose name starts with `value` (Kafka's PREFIXED resource pattern)."""

    value: str


Topics = tuple[str | Prefix, ...]


@dataclass(frozen=True)
class TopicUse:
    """What one principal (a service, or an agency's system) may do on Kafka."""

    reads: Topics = ()
    writes: Topics = ()
    groups: tuple[str | Prefix, ...] = ()


def dead_letters(*names: str) -> Topics:
    """The dead-letter twins of consumed topics."""
    return tuple(topics.dead_letter_topic(n) for n in names)


_INBOUND_REFERRALS = Prefix(topics.REFERRALS_INBOUND + ".")
_INBOUND_MILESTONES = Prefix(topics.MILESTONES_INBOUND + ".")
_OUTBOUND = Prefix(topics.REFERRALS_OUTBOUND + ".")

SERVICE_NAMES = ("intake", "triage", "tracking", "notifier", "oversight")


def service_use(service: str, agency_ids: Iterable[str]) -> TopicUse:
    """What a platform service may do, for the partnership's agencies: read what it consumes, write
    what it publishes and the dead-letter twin of everything it consumes. The agencies' inbound
    topics are read by prefix (a new agency's topic is consumed at once), but their dead-letter
    twins are written by name: a service may never write into an agency's inbound topic."""
    agencies = list(agency_ids)
    if service == "intake":
        return TopicUse(
            reads=(_INBOUND_REFERRALS,),
            writes=(topics.REFERRAL_SUBMITTED, _OUTBOUND,
                    *dead_letters(*(topics.referrals_inbound(a) for a in agencies))),
            groups=("intake",),
        )
    if service == "triage":
        # The directory's capacity and listings are read with no group, from their start, on every start.
        consumed = (topics.REFERRAL_SUBMITTED, topics.REFERRAL_REROUTES, topics.DIRECTORY_CAPACITY,
                    topics.DIRECTORY_AGENCIES)
        return TopicUse(reads=consumed, writes=(topics.REFERRAL_TRIAGED, topics.DIRECTORY_CAPACITY,
                                                *dead_letters(*consumed)), groups=("triage",))
    if service == "tracking":
        consumed = (topics.REFERRAL_SUBMITTED, topics.REFERRAL_TRIAGED, topics.REFERRAL_MILESTONES,
                    topics.NOTIFICATION_OUTCOMES)
        return TopicUse(
            # replay rebuilds from every topic tracking keeps (escalations and flags too), with no group
            reads=(*consumed, _INBOUND_MILESTONES, topics.REFERRAL_ESCALATIONS, topics.REFERRAL_FLAGS),
            writes=(topics.REFERRAL_MILESTONES, topics.REFERRAL_REROUTES, topics.REFERRAL_FLAGS,
                    topics.REFERRAL_CLOSED, topics.REFERRAL_ESCALATIONS, topics.REFERRAL_CHANGES, _OUTBOUND,
                    *dead_letters(*consumed),
                    *dead_letters(*(topics.milestones_inbound(a) for a in agencies))),
            groups=("tracking",),
        )
    if service == "notifier":
        consumed = (topics.REFERRAL_ESCALATIONS, topics.REFERRAL_CLOSED, topics.REFERRAL_TRIAGED,
                    topics.DIRECTORY_AGENCIES)  # the directory's listings: who receives what, kept current
        return TopicUse(reads=consumed, writes=(topics.NOTIFICATION_OUTCOMES, *dead_letters(*consumed)),
                        groups=("notifier",))
    if service == "oversight":
        # The read side: each referral's state as tracking's fold decided it, and the flags it
        # raises (repeated crises for the issue log); its rebuild reads the same compacted topic.
        consumed = (topics.REFERRAL_CHANGES, topics.REFERRAL_FLAGS)
        return TopicUse(reads=consumed, writes=dead_letters(*consumed), groups=("oversight",))
    raise KeyError(f"no such service: {service}")


def agency_group_prefix(agency_id: str) -> str:
    """An agency's consumer groups start with its id and a dot (e.g. `gp-north.receipts`), so it may
    run several readers of its outbound topic, and never joins another agency's group."""
    return f"{agency_id}."


def agency_use(agency_id: str) -> TopicUse:
    """An agency's system: it writes its two inbound topics and reads its outbound topic with
    groups of its own; nothing else (not another agency's topics, not the shared `referral.*`)."""
    return TopicUse(
        reads=(topics.referrals_outbound(agency_id),),
        writes=(topics.referrals_inbound(agency_id), topics.milestones_inbound(agency_id)),
        groups=(Prefix(agency_group_prefix(agency_id)),),
    )
