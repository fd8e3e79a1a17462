"""Oversight over HTTP: the partnership's figures, the huddle worklist and the breach log (JSON or
CSV). Oversight and the triage desk see the partnership; an agency sees its own figures (the
referrals it sent or leads)."""

from __future__ import annotations

import csv
import io
from importlib.resources import files
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import AwareDatetime
from pymongo.asynchronous.collection import AsyncCollection

from referral_contracts import AcuityTier, utc_now
from service_kit.auth import KeyRegistry, Principal, principal_from
from service_kit.problems import answers

from ..adapters.oversight_queries import breach_log, summary, worklist
from ..domain.access import figures_scope
from ..domain.oversight import Breach, Filters, Summary, WorklistRow

Format = Literal["json", "csv"]


def oversight_routes(referrals: AsyncCollection, keys: KeyRegistry) -> APIRouter:
    router = APIRouter(prefix="/v1/oversight", responses=answers())
    authenticated = principal_from(keys)

    def filters(
        caller: Principal = Depends(authenticated),
        since: Annotated[AwareDatetime | None, Query(description="Submitted at or after (ISO 8601, with zone).")] = None,
        until: Annotated[AwareDatetime | None, Query(description="Submitted before (ISO 8601, with zone).")] = None,
        source_agency_id: Annotated[str | None, Query(max_length=64)] = None,
        receiving_agency_id: Annotated[str | None, Query(max_length=64)] = None,
        tier: AcuityTier | None = None,
    ) -> Filters:
        return Filters(since=since, until=until, source_agency_id=source_agency_id,
                       receiving_agency_id=receiving_agency_id, tier=tier, involving=figures_scope(caller))

    @router.get("/summary", response_model=Summary)
    async def get_summary(chosen: Filters = Depends(filters)) -> Summary:
        """Volumes, timeliness by tier, the funnel, declines, redirects, unknown outcomes, overdue and
        unassigned referrals, backlog age and breaches with reasons."""
        return await summary(referrals, chosen, utc_now())

    @router.get("/worklist", response_model=list[WorklistRow],
                responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}})
    async def get_worklist(chosen: Filters = Depends(filters), sort: Literal["age", "acuity"] = "age",
                           format: Format = "json"):  # noqa: A002 - the query parameter's name
        """The weekly huddle: open referrals by age or acuity, with owner, last attempt, next action
        and deadline."""
        rows = await worklist(referrals, chosen, utc_now(), sort=sort)
        return _csv(rows, WorklistRow, "worklist") if format == "csv" else rows

    @router.get("/breaches", response_model=list[Breach],
                responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}})
    async def get_breaches(chosen: Filters = Depends(filters), format: Format = "json"):
        """Every missed first-contact deadline: when, by how much, and the owner's reason."""
        breaches = await breach_log(referrals, chosen)
        return _csv(breaches, Breach, "breaches") if format == "csv" else breaches

    @router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard() -> HTMLResponse:
        """The oversight page: it holds no data; it asks this API with the key the viewer gives."""
        return HTMLResponse(DASHBOARD)

    return router


DASHBOARD = (files("tracking") / "static" / "dashboard.html").read_text(encoding="utf-8")


def _csv(rows: list, model: type, name: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(model.model_fields))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.model_dump(mode="json").items()})
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
