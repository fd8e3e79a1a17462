"""Who may do what, route by route: every route of intake, triage, tracking and oversight (read
from each service's own OpenAPI, so a new route without a row fails here) is called with the key of every
role a referral gives, and the status compared with the table below; then with a missing and a
forged key (401 everywhere). A referral the caller has no part in answers as a guessed id does,
and every 403 names the rule with agency ids, never data.

Request bodies are valid and harmless, so the status says what access allows, not what validation
does: milestones are `consent_changed` to the consent the referral already has (any agency with a
part may record it, and nothing changes), a capacity is set to what it already is, a referral is
sent again unchanged (the same event: nothing changes), reviews and issues are new entries.
"""

from __future__ import annotations

import re

import httpx
import pytest

from access_world import REQUESTS, ROLES, World, build_world, probe

pytestmark = pytest.mark.e2e
PERSONAL = ("Jordan", "Example", "1990-04-12", "7700 900123", "NHS-9434765919")
FORGED = {"Authorization": "Bearer rk_0123456789ab_guessing"}

UNRELATED = ROLES.index("unrelated")
EVERYONE = (200,) * 7
WITH_A_PART = (200, 200, 200, 200, 200, 200, 404)  # oversight and the desk read every referral
PARTNERSHIP = (200, 200, 403, 403, 403, 403, 403)  # oversight and the triage desk only
SENT_OR_LED = (200, 200, 200, 404, 200, 404, 404)  # an agency's own figures: the referrals it sent or leads now

# route: status for (oversight, triage desk, sender, lead before, lead now, offered, unrelated)
TABLE: dict[str, tuple[int, ...]] = {
    "intake POST /v1/referrals": (403, 403, 202, 403, 403, 403, 403),  # the body names gp-north as sender
    "intake POST /fhir": (403, 403, 200, 403, 403, 403, 403),  # the same referral as FHIR: the same rule
    "triage GET /v1/directory": PARTNERSHIP,  # leads' contact details: what an import compares with
    "triage GET /v1/directory/services": EVERYONE,
    "triage PUT /v1/directory/services/{service_id}/capacity":  # the lead before's own service
        (403, 202, 403, 202, 403, 403, 403),
    "tracking GET /v1/referrals": WITH_A_PART,  # by the sender's client reference
    "tracking GET /v1/referrals/{referral_id}": WITH_A_PART,
    "tracking POST /v1/referrals/{referral_id}/milestones": (403, 403, 201, 201, 201, 201, 404),
    "tracking GET /v1/referrals/{referral_id}/accountability": WITH_A_PART,
    "tracking GET /v1/referrals/{referral_id}/escalations": WITH_A_PART,
    "tracking GET /v1/referrals/{referral_id}/handoff-package": (403, 403, 200, 200, 200, 200, 404),
    "tracking GET /fhir/ServiceRequest/{referral_id}": WITH_A_PART,
    "tracking GET /fhir/Task/{referral_id}": WITH_A_PART,
    "oversight GET /v1/oversight/summary": EVERYONE,  # an agency's own figures, the partnership's for O and D
    "oversight GET /v1/oversight/worklist": EVERYONE,
    "oversight GET /v1/oversight/breaches": EVERYONE,
    "oversight GET /v1/oversight/referrals/{referral_id}": SENT_OR_LED,  # within the caller's figures
    "oversight POST /v1/quality/samples": PARTNERSHIP,
    "oversight POST /v1/quality/reviews": (201, 201, 403, 403, 403, 403, 403),
    "oversight POST /v1/quality/reviews/{review_id}/corrective-action/complete": PARTNERSHIP,
    "oversight GET /v1/quality/summary": PARTNERSHIP,
    "oversight GET /v1/partnership-issues": PARTNERSHIP,
    "oversight POST /v1/partnership-issues": (201, 201, 403, 403, 403, 403, 403),
    "oversight PATCH /v1/partnership-issues/{issue_id}": PARTNERSHIP,
}
# Outside the OpenAPI, answered without a key: probes, metrics and the dashboard page (no data in it).
PUBLIC = {"intake": ["/health", "/metrics"], "triage": ["/health", "/metrics"], "tracking": ["/health", "/metrics"],
          "oversight": ["/health", "/metrics", "/v1/oversight/dashboard"]}
SERVICES = ("intake", "triage", "tracking", "oversight")


def routes(running_services: dict[str, str]) -> dict[str, dict]:
    """Every documented route of the four services: "service METHOD path" -> its OpenAPI operation."""
    found = {}
    for service in SERVICES:
        spec = httpx.get(f"{running_services[service]}/openapi.json").json()
        for path, operations in spec["paths"].items():
            found |= {f"{service} {method.upper()} {path}": op for method, op in operations.items()}
    return found


@pytest.fixture(scope="module")
def world(running_services, api_keys) -> World:
    return build_world(running_services, api_keys)


def test_every_route_has_a_row_and_every_row_a_route(running_services) -> None:
    documented = routes(running_services)
    assert sorted(set(documented) - set(TABLE)) == [], "routes with no row in the access table"
    assert sorted(set(TABLE) - set(documented)) == [], "rows for routes the services no longer have"
    assert set(REQUESTS) == set(TABLE), "a row with no request to send, or a request with no row"


def test_every_route_answers_every_role_as_the_table_says(running_services, api_keys, world: World) -> None:
    documented, wrong = routes(running_services), []
    for route, expected in TABLE.items():
        for role, status in zip(ROLES, expected, strict=True):
            response = probe(world, route, role, headers=api_keys.headers(world.agency(role)))
            if response.status_code != status:
                wrong.append(f"{route} as {role}: {response.status_code} (expected {status}) {response.text[:200]}")
            elif str(status) not in documented[route]["responses"]:
                wrong.append(f"{route} as {role}: {status} is not in its OpenAPI responses")
            elif status == 403:
                wrong += refusal_problems(route, role, world.agency(role), response)
    assert wrong == [], "\n".join(wrong)


def refusal_problems(route: str, role: str, agency: str, response: httpx.Response) -> list[str]:
    """A 403 names the rule with the caller's agency id, and carries no personal data (FHIR's
    refusals are OperationOutcomes: the rule is in their issues)."""
    body = response.json()
    detail = body["detail"] if "detail" in body else " ".join(i["details"]["text"] for i in body["issue"])
    problems = [] if agency in detail else [f"{route} as {role}: the refusal does not name {agency}: {detail}"]
    return problems + [f"{route} as {role}: leaks {value}" for value in PERSONAL if value in response.text]


def test_a_referral_with_no_part_in_it_answers_as_a_guessed_id(running_services, api_keys, world: World) -> None:
    """For each route where the unrelated agency gets 404: the same status and words as for an id
    (or client reference) no referral has."""
    unrelated = api_keys.headers(world.agency("unrelated"))
    for route, expected in TABLE.items():
        if expected[UNRELATED] != 404:
            continue
        theirs = probe(world, route, "unrelated", headers=unrelated)
        guessed = probe(world, route, "unrelated", headers=unrelated, guessed=True)
        assert theirs.status_code == guessed.status_code == 404, route
        assert _without_ids(theirs.json()["detail"]) == _without_ids(guessed.json()["detail"]), route
        assert [value for value in PERSONAL if value in theirs.text] == []


def test_a_missing_or_forged_key_is_refused_on_every_route(running_services, world: World) -> None:
    for route in TABLE:
        for what, headers in {"missing": {}, "forged": FORGED}.items():
            response = probe(world, route, "sender", headers=headers)
            assert response.status_code == 401, (route, what, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer")
    for service, paths in PUBLIC.items():
        for path in paths:
            assert httpx.get(f"{running_services[service]}{path}").status_code == 200, (service, path)


def test_agencies_see_only_their_own_figures(running_services, api_keys, world: World) -> None:
    """Everyone may ask for the worklist; an agency sees the referrals it sent or leads now."""
    worklist = f"{running_services['oversight']}/v1/oversight/worklist"

    def listed(role: str) -> set[str]:
        return {row["referral_id"] for row in httpx.get(worklist, headers=api_keys.headers(world.agency(role))).json()}

    seen = {role: listed(role) for role in ("oversight", "triage_desk", "sender", "lead_now", "unrelated")}
    referral = world.referral_of("sender").id
    assert referral in seen["oversight"] and referral in seen["triage_desk"]
    assert referral in seen["sender"] and referral in seen["lead_now"] and referral not in seen["unrelated"]


def _without_ids(detail: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", detail)

