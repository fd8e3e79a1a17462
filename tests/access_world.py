"""A partnership in which agencies hold every part a referral gives, and one request per route that
any of them can send: for the end-to-end access table (tests/e2e/test_access_table.py).

Referral A is sent by gp-north, accepted by its first lead, redirected, and accepted by the agency
triage offered it to: the first lead is now the lead before, the second the lead now. Referral B is
redirected the same way and offered to an agency that has not accepted yet: that agency is offered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import uuid4

import httpx
from devstack.keys import OVERSIGHT, LocalKeys

from fhir_referrals import fhir_referral
from polling import eventually
from referral_driver import Loop, actor

ROLES = ("oversight", "triage_desk", "sender", "lead_before", "lead_now", "offered", "unrelated")
DESK, UNRELATED = "triage-desk", "housing-support"


@dataclass(frozen=True)
class World:
    services: dict[str, str]
    redirected: Loop  # A: led now by the agency that accepted it after the redirect
    offered: Loop  # B: redirected, offered to an agency that has not accepted it yet
    agencies: dict[str, str]  # role -> agency id
    service: dict  # the lead before's own service, as the directory lists it now
    review_id: str
    issue_id: str

    def agency(self, role: str) -> str:
        return self.agencies[role]

    def referral_of(self, role: str) -> Loop:
        return self.offered if role == "offered" else self.redirected


def build_world(services: dict[str, str], keys: LocalKeys) -> World:
    a, b = Loop(services, keys), Loop(services, keys)
    for loop in (a, b):
        loop.wait_for("assigned")
        lead = loop.view()["lead_agency_id"]
        loop.accept(lead)
        loop.record("redirect_requested", lead, redirect_reason="no_capacity", reason_text="Caseload full")
    next_lead = _offered_to(a)
    a.accept(next_lead, "Ana Ruiz")
    led, waiting = a.view(), b.view()
    a.projected(), b.projected()  # oversight's routes answer from its projection: let it catch up
    agencies = {"oversight": OVERSIGHT, "triage_desk": DESK, "sender": a.sender,
                "lead_before": led["previous_leads"][0], "lead_now": led["lead_agency_id"],
                "offered": _offered_to(b), "unrelated": UNRELATED}
    _check_the_parts(agencies, led, waiting)
    oversight = keys.headers(OVERSIGHT)
    listed = httpx.get(f"{services['triage']}/v1/directory/services", headers=oversight).json()
    service = next(s for s in listed if s["agency_id"] == agencies["lead_before"])
    review = httpx.post(f"{services['oversight']}/v1/quality/reviews", headers=oversight, json={
        **_review(a.id), "corrective_action": {"description": "Probe", "owner": "Priya Shah", "due": "2030-01-01"}})
    issue = httpx.post(f"{services['oversight']}/v1/partnership-issues", headers=oversight, json=_issue())
    assert review.status_code == issue.status_code == 201, review.text + issue.text
    return World(services, a, b, agencies, service, review.json()["review_id"], issue.json()["issue_id"])


def _offered_to(loop: Loop) -> str:
    return eventually(lambda: loop.view()["pending_lead_agency_id"], f"triage to offer {loop.id} elsewhere")


def _check_the_parts(agencies: dict[str, str], led: dict, waiting: dict) -> None:
    """What the table assumes: each role holds its part and no other."""
    assert agencies["sender"] == "gp-north" and agencies["lead_before"] != agencies["lead_now"]
    assert waiting["state"] == "redirecting" and waiting["lead_agency_id"] == agencies["lead_before"]
    assert agencies["offered"] != agencies["lead_before"], "the capacity row expects the offered agency elsewhere"
    for view in (led, waiting):
        parts = {view["source_agency_id"], view["lead_agency_id"], view["pending_lead_agency_id"],
                 *view["previous_leads"], *(a["agency_id"] for a in view["accountable"])}
        assert DESK not in parts and UNRELATED not in parts and OVERSIGHT not in parts


def _review(referral_id: str) -> dict:
    return {"referral_id": referral_id, "month": "2001-01", "root_causes": ["other"], "findings": "Access walk",
            "reviewer": "Isobel Grant"}


def _issue() -> dict:
    return {"kind": "other", "summary": "Access walk", "owner": "Isobel Grant", "review_date": "2030-01-01"}


Request = tuple[str, str, dict | None, dict | None]  # service, path, query, body
Builder = Callable[[World, str, bool], Request]


def _referral_id(world: World, role: str, guessed: bool) -> str:
    return str(uuid4()) if guessed else world.referral_of(role).id


def _on_referral(tail: str, query: Callable[[], dict] | None = None, body: Callable[[str], dict] | None = None,
                 prefix: str = "/v1/referrals/", service: str = "tracking") -> Builder:
    def build(world: World, role: str, guessed: bool) -> Request:
        return (service, f"{prefix}{_referral_id(world, role, guessed)}{tail}", query() if query else None,
                body(world.agency(role)) if body else None)
    return build


def _fixed(service: str, path: str, body: dict | None = None, query: dict | None = None) -> Builder:
    return lambda world, role, guessed: (service, path, query, body)


def _capacity(world: World, role: str, guessed: bool) -> Request:
    """The lead before's own service, set to the capacity it has now: routing does not change."""
    s = world.service
    return ("triage", f"/v1/directory/services/{s['service_id']}/capacity", None,
            {"agency_id": s["agency_id"], "capacity": s["capacity"], "reason_text": "Access walk: unchanged",
             "actor": actor(world.agency(role))})


def _by_reference(world: World, role: str, guessed: bool) -> Request:
    loop = world.referral_of(role)
    reference = f"GUESS-{uuid4().hex[:8]}" if guessed else loop.reference
    return ("tracking", "/v1/referrals", {"client_reference": reference, "source_agency_id": loop.sender}, None)


def _same_consent(agency: str) -> dict:
    """The one milestone every agency with a part may record, to the consent the referral has: no change."""
    return {"kind": "consent_changed", "actor": actor(agency), "consent": {"status": "granted"},
            "milestone_id": str(uuid4())}


def _now() -> dict:
    return {"at": datetime.now(timezone.utc).isoformat()}


REQUESTS: dict[str, Builder] = {
    "intake POST /v1/referrals": lambda world, role, guessed: (
        "intake", "/v1/referrals", None, world.referral_of(role).payload),  # sent again unchanged
    "intake POST /fhir": lambda world, role, guessed: (
        "intake", "/fhir", None, fhir_referral(world.referral_of(role).payload)),  # the same, as FHIR
    "triage GET /v1/directory": _fixed("triage", "/v1/directory"),
    "triage GET /v1/directory/services": _fixed("triage", "/v1/directory/services"),
    "triage PUT /v1/directory/services/{service_id}/capacity": _capacity,
    "tracking GET /v1/referrals": _by_reference,
    "tracking GET /v1/referrals/{referral_id}": _on_referral(""),
    "tracking POST /v1/referrals/{referral_id}/milestones": _on_referral("/milestones", body=_same_consent),
    "tracking GET /v1/referrals/{referral_id}/accountability": _on_referral("/accountability", query=_now),
    "tracking GET /v1/referrals/{referral_id}/escalations": _on_referral("/escalations"),
    "tracking GET /v1/referrals/{referral_id}/handoff-package": _on_referral("/handoff-package"),
    "tracking GET /fhir/ServiceRequest/{referral_id}": _on_referral("", prefix="/fhir/ServiceRequest/"),
    "tracking GET /fhir/Task/{referral_id}": _on_referral("", prefix="/fhir/Task/"),
    "oversight GET /v1/oversight/summary": _fixed("oversight", "/v1/oversight/summary"),
    "oversight GET /v1/oversight/worklist": _fixed("oversight", "/v1/oversight/worklist"),
    "oversight GET /v1/oversight/breaches": _fixed("oversight", "/v1/oversight/breaches"),
    "oversight GET /v1/oversight/referrals/{referral_id}": _on_referral("", prefix="/v1/oversight/referrals/",
                                                                        service="oversight"),
    "oversight POST /v1/quality/samples": _fixed("oversight", "/v1/quality/samples", {"month": "2001-01", "seed": 7}),
    "oversight POST /v1/quality/reviews": lambda world, role, guessed: (
        "oversight", "/v1/quality/reviews", None, _review(world.redirected.id)),
    "oversight POST /v1/quality/reviews/{review_id}/corrective-action/complete": lambda world, role, guessed: (
        "oversight", f"/v1/quality/reviews/{world.review_id}/corrective-action/complete", None,
        {"completed_by": "Priya Shah"}),
    "oversight GET /v1/quality/summary": _fixed("oversight", "/v1/quality/summary"),
    "oversight GET /v1/partnership-issues": _fixed("oversight", "/v1/partnership-issues"),
    "oversight POST /v1/partnership-issues": lambda world, role, guessed: (
        "oversight", "/v1/partnership-issues", None, _issue()),
    "oversight PATCH /v1/partnership-issues/{issue_id}": lambda world, role, guessed: (
        "oversight", f"/v1/partnership-issues/{world.issue_id}", None, {"status": "in_progress"}),
}


def probe(world: World, route: str, role: str, *, headers: dict[str, str], guessed: bool = False) -> httpx.Response:
    """`route`'s request as `role` would send it, with `headers`; `guessed`: for an id no referral has."""
    service, path, query, body = REQUESTS[route](world, role, guessed)
    method = route.split()[1]
    return httpx.request(method, f"{world.services[service]}{path}", params=query, json=body, headers=headers)
