"""Oversight over HTTP: the partnership's figures, the huddle worklist and the breach log (JSON or
CSV), answered from the projection. Oversight and the triage desk see the partnership; an agency
sees its own figures (the referrals it sent or leads)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime

from referral_contracts import AcuityTier, utc_now
from service_kit.auth import KeyRegistry, Principal, principal_from
from service_kit.problems import answers

from .models import Breach, Filters, Summary, WorklistRow
from .rules import figures_scope
from .store import FiguresStore

Format = Literal["json", "csv"]
CSV = {200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}}


def figures_routes(figures: FiguresStore, keys: KeyRegistry) -> APIRouter:
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
        return await figures.summary(chosen, utc_now())

    @router.get("/worklist", response_model=list[WorklistRow], responses=CSV)
    async def get_worklist(chosen: Filters = Depends(filters), sort: Literal["age", "acuity"] = "age",
                           format: Format = "json"):  # noqa: A002 - the query parameter's name
        """The weekly huddle: open referrals by age or acuity, with owner, last attempt, next action
        and deadline."""
        rows = await figures.worklist(chosen, utc_now(), sort=sort)
        return _csv(rows, WorklistRow, "worklist") if format == "csv" else rows

    @router.get("/breaches", response_model=list[Breach], responses=CSV)
    async def get_breaches(chosen: Filters = Depends(filters), format: Format = "json"):  # noqa: A002
        """Every missed first-contact deadline: when, by how much, and the owner's reason."""
        breaches = await figures.breach_log(chosen)
        return _csv(breaches, Breach, "breaches") if format == "csv" else breaches

    return router


def _csv(rows: list, model: type, name: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(model.model_fields))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.model_dump(mode="json").items()})
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
