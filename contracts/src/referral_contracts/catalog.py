"""What each topic carries: the released contracts a record on it may be. With `topology` (who
reads and writes each topic) it is what the AsyncAPI documents in docs/api/ are written from.

A topic carrying several events tells them apart by `event_type` (in the value and in the header
of the same name). A dead-letter topic carries the original bytes of a refused record, whatever
they were, so it has no entry here.
"""

from __future__ import annotations

from pydantic import BaseModel

from . import topics
from .changes import ReferralChanged
from .listings import AgencyDelisted, AgencyListed
from .events import (
    CapacityChanged,
    EscalationRaised,
    EscalationRaisedV2,
    MilestoneRecorded,
    NotificationFailed,
    NotificationSent,
    OutcomeUnknown,
    ReferralClosed,
    ReferralClosedV2,
    ReferralLinked,
    ReferralSubmitted,
    ReferralTriaged,
    RepeatedCrisis,
    RerouteRequested,
)
from .milestones import MilestoneReport
from .outbound import OUTBOUND_EVENTS
from .referral import ReferralRequest

Carried = tuple[type[BaseModel], ...]

SHARED: dict[str, Carried] = {
    topics.REFERRAL_SUBMITTED: (ReferralSubmitted,),
    topics.REFERRAL_TRIAGED: (ReferralTriaged,),
    topics.REFERRAL_MILESTONES: (MilestoneRecorded,),
    topics.REFERRAL_CLOSED: (ReferralClosed, ReferralClosedV2),
    topics.REFERRAL_REROUTES: (RerouteRequested,),
    topics.REFERRAL_ESCALATIONS: (EscalationRaised, EscalationRaisedV2),
    topics.REFERRAL_FLAGS: (ReferralLinked, OutcomeUnknown, RepeatedCrisis),
    topics.NOTIFICATION_OUTCOMES: (NotificationSent, NotificationFailed),
    topics.DIRECTORY_CAPACITY: (CapacityChanged,),
    topics.REFERRAL_CHANGES: (ReferralChanged,),
    topics.DIRECTORY_AGENCIES: (AgencyListed, AgencyDelisted),
}

# Each agency's topics, by family (the name before `.<agency id>`). Inbound records are the bodies
# of the HTTP APIs, without an envelope.
PER_AGENCY: dict[str, Carried] = {
    topics.REFERRALS_INBOUND: (ReferralRequest,),
    topics.MILESTONES_INBOUND: (MilestoneReport,),
    topics.REFERRALS_OUTBOUND: OUTBOUND_EVENTS,
}


def family(topic: str) -> str | None:
    """The per-agency family a topic belongs to (`referrals.inbound.v1` for
    `referrals.inbound.v1.gp-north`), or None for a shared or dead-letter topic."""
    if topic.endswith(topics.DEAD_LETTER_SUFFIX):
        return None
    return next((name for name in PER_AGENCY if topic.startswith(name + ".")), None)


def carried_by(topic: str) -> Carried:
    """The contracts a record on `topic` may be; KeyError for a dead-letter or unknown topic."""
    if topic in SHARED:
        return SHARED[topic]
    if (name := family(topic)) is not None:
        return PER_AGENCY[name]
    raise KeyError(f"no contract is carried by {topic}")
