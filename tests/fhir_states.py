"""Every state a referral can be in, as the events that bring it there: for the FHIR views' tests
(each state's Task and ServiceRequest, mapped and validated)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from referral_contracts import Actor, AcuityTier, Link, LinkRelation, ReferralLinked, derived_id

from event_factories import at, milestone, submitted, triaged

History = list


def _reroute_id(redirect) -> UUID:
    return derived_id(redirect.event_id, "reroute")  # as tracking names the reroute it asks triage for


def _history(kind: str) -> History:  # noqa: C901 - one small branch per state, read as a table
    first = submitted()
    rid = first.referral_id
    routed = [first, triaged(first)]
    acked = [*routed, milestone(rid, "acknowledged", 5)]
    accepted = [*acked, milestone(rid, "accepted", 10)]
    contacted = [*accepted, milestone(rid, "contact_attempted", 20)]
    scheduled = [*contacted, milestone(rid, "appointment_scheduled", 30)]
    if kind == "submitted":
        return [first]
    if kind == "awaiting_clarification":
        return [first, triaged(first, lead=None, outcome="clarification_needed", missing=["person.contact.phone"])]
    if kind == "unassigned":
        return [first, triaged(first, lead=None)]
    if kind == "urgent_assigned":
        return [first, triaged(first, tier=AcuityTier.URGENT)]
    redirect_unaccepted = milestone(rid, "redirect_requested", 8)
    redirect_accepted = milestone(rid, "redirect_requested", 25)
    table: dict[str, Callable[[], History]] = {
        "assigned": lambda: routed,
        "received": lambda: acked,
        "accepted": lambda: accepted,
        "contact_attempted": lambda: contacted,
        "scheduled": lambda: scheduled,
        "no_show": lambda: [*scheduled, milestone(rid, "appointment_missed", 40)],
        "appointment_cancelled": lambda: [*scheduled, milestone(rid, "appointment_cancelled", 40)],
        "redirecting_never_accepted": lambda: [*acked, redirect_unaccepted],
        "redirect_offered_never_accepted": lambda: [
            *acked, redirect_unaccepted, triaged(first, 9, lead="talking-therapies",
                                                 reroute_of=_reroute_id(redirect_unaccepted))],
        "redirecting_after_acceptance": lambda: [*contacted, redirect_accepted],
        "redirected_and_accepted": lambda: [
            *contacted, redirect_accepted, triaged(first, 26, lead="talking-therapies",
                                                   reroute_of=_reroute_id(redirect_accepted)),
            milestone(rid, "accepted", 27, agency="talking-therapies", person="Ana Diaz")],
        "engaged": lambda: [*contacted, milestone(rid, "engaged", 40)],
        "declined_before_contact": lambda: [*accepted, milestone(rid, "declined", 15)],
        "declined_after_contact": lambda: [*scheduled, milestone(rid, "declined", 40)],
        "withdrawn": lambda: [*acked, milestone(rid, "withdrawn", 7, agency="gp-north", person="Dr Amara Okafor")],
        "escalated": lambda: [*contacted, milestone(rid, "escalated", 30)],
        "linked": lambda: [first, _linked(rid)],
    }
    return table[kind]()


def _linked(rid: UUID) -> ReferralLinked:
    other = derived_id("an open referral for the same person")
    return ReferralLinked.create(referral_id=rid, correlation_id=rid, actor=Actor(agency_id="platform-tracking"),
                                 data=Link(relation=LinkRelation.DUPLICATE_OF, other_referral_id=other,
                                           other_source_agency_id="gp-north"),
                                 occurred_at=at(1))


STATES = ("submitted", "awaiting_clarification", "unassigned", "assigned", "urgent_assigned", "received",
          "accepted", "contact_attempted", "scheduled", "no_show", "appointment_cancelled",
          "redirecting_never_accepted", "redirect_offered_never_accepted", "redirecting_after_acceptance",
          "redirected_and_accepted", "engaged", "declined_before_contact", "declined_after_contact",
          "withdrawn", "escalated", "linked")


def history(kind: str) -> History:
    return _history(kind)
