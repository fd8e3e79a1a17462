"""Turning what an agency sends into events. Pure: ids and times are derived or passed in."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

from referral_contracts import Actor, ReferralRequest, ReferralSubmitted
from referral_contracts.envelope import derived_id
from referral_contracts.outbound import Channel, InboundPosition, Receipt, ReferralReceived
from referral_contracts.referral import referral_id_for


def referral_submitted(
    request: ReferralRequest, *, correlation_id: UUID, received_at: datetime
) -> ReferralSubmitted:
    """The event id follows the content: the same package sent twice is one event, and a changed
    package (how a sender answers a clarification request) is a new revision of the referral."""
    referral_id = referral_id_for(request.source_agency_id, request.client_reference)
    content = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
    return ReferralSubmitted.create(
        event_id=derived_id(referral_id, "submitted", content),
        referral_id=referral_id,
        correlation_id=correlation_id,
        actor=Actor(agency_id=request.source_agency_id, person=request.referrer.name),
        data=request,
        occurred_at=received_at,
    )


def receipt(submitted: ReferralSubmitted, *, inbound: InboundPosition | None) -> ReferralReceived:
    """The sender's receipt: its reference names this referral id. One per submission: a record
    read again (after a crash) gets the same receipt id, a second submission its own."""
    request = submitted.data
    channel = Channel.KAFKA if inbound else Channel.HTTP
    where = (inbound.topic, inbound.partition, inbound.offset) if inbound else (submitted.correlation_id,)
    return ReferralReceived.create(
        event_id=derived_id(submitted.referral_id, "received", submitted.event_id, *where),
        referral_id=submitted.referral_id, correlation_id=submitted.correlation_id, causation_id=submitted.event_id,
        actor=Actor(agency_id="platform-intake"), occurred_at=submitted.occurred_at,
        data=Receipt(client_reference=request.client_reference, revision_event_id=submitted.event_id,
                     channel=channel, inbound=inbound),
    )
