"""HTTP API of the directory as triage sees it: current capacity, and capacity changes by agencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Header, HTTPException, Response, status
from pydantic import BaseModel, Field, field_validator

from referral_contracts import Actor, CapacityChange, utc_now
from referral_contracts.directory import Capacity, Directory, Eligibility, ServiceStatus
from service_kit.access import partnership_only, refusal_to_act_as, refusal_to_change_capacity
from service_kit.auth import KeyRegistry, Principal, enforce, principal_from
from service_kit.messaging import EventPublisher
from service_kit.problems import answers

from ..domain import ServiceOfAnotherAgency, UnknownService
from ..service_layer.capacity import request_capacity_change

CorrelationHeader = Annotated[UUID | None, Header(alias="X-Correlation-ID")]


class CapacityUpdate(BaseModel):
    """The body of `PUT /v1/directory/services/{service_id}/capacity`."""

    agency_id: str = Field(description="The agency that runs the service.")
    capacity: Capacity
    reason_text: str | None = Field(default=None, max_length=500)
    actor: Actor

    @field_validator("actor")
    @classmethod
    def _named_person(cls, actor: Actor) -> Actor:
        if actor.person is None:
            raise ValueError("actor.person: a capacity change names the person who made it")
        return actor


class CapacityAccepted(BaseModel):
    service_id: str
    event_id: UUID
    correlation_id: UUID


class ServiceView(BaseModel):
    agency_id: str
    service_id: str
    name: str
    service_type: str | None
    status: ServiceStatus
    capacity: Capacity
    eligibility: Eligibility


def http_routes(directory: Callable[[], Directory], bus: EventPublisher, keys: KeyRegistry) -> APIRouter:
    """`directory` gives the current directory (capacity changes applied) at each request."""
    router = APIRouter(prefix="/v1/directory", responses=answers())
    authenticated = principal_from(keys)  # a parameter default, so FastAPI sees it in this scope

    @router.get("", response_model=Directory,
                responses=answers({403: "not oversight or the triage desk: the leads' contact details are theirs"}))
    async def whole_directory(caller: Principal = Depends(authenticated)) -> Directory:
        """The directory triage routes with now, leads included (what `referral-ops import-directory`
        compares a new directory with): for oversight and the triage desk."""
        enforce(partnership_only(caller, "the whole directory, with its leads' contact details,"))
        return directory()

    @router.get("/services", response_model=list[ServiceView])
    async def list_services(_: Principal = Depends(authenticated)) -> list[ServiceView]:
        """Every service in the directory with its current capacity, in the partnership's order."""
        return [
            ServiceView(agency_id=agency.id, service_id=service.id, name=service.name,
                        service_type=service.service_type, status=service.status,
                        capacity=service.capacity, eligibility=service.eligibility)
            for agency in directory().agencies for service in agency.services
        ]

    @router.put(
        "/services/{service_id}/capacity", status_code=status.HTTP_202_ACCEPTED, response_model=CapacityAccepted,
        responses=answers({403: "actor.agency_id is not the key's agency, an oversight key (which acts on "
                                "nothing), or another agency's capacity and not the triage desk",
                           404: "no such service", 409: "the service belongs to another agency than agency_id"},
                          body=True),
    )
    async def put_capacity(
        service_id: str, update: CapacityUpdate, response: Response, caller: Principal = Depends(authenticated),
        correlation_id: CorrelationHeader = None,
    ) -> CapacityAccepted:
        """Record a service's capacity: an agency its own, the triage desk any. 202: published;
        routing uses it once triage has read it back."""
        enforce(refusal_to_act_as(caller, update.actor.agency_id))
        enforce(refusal_to_change_capacity(caller, update.agency_id))
        correlation_id = correlation_id or uuid4()
        change = CapacityChange(agency_id=update.agency_id, capacity=update.capacity, reason_text=update.reason_text)
        try:
            event = await request_capacity_change(
                service_id, change, actor=update.actor, directory=directory(), bus=bus,
                correlation_id=correlation_id, now=utc_now(),
            )
        except UnknownService as problem:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(problem)) from problem
        except ServiceOfAnotherAgency as problem:
            raise HTTPException(status.HTTP_409_CONFLICT, str(problem)) from problem
        response.headers["X-Correlation-ID"] = str(correlation_id)
        return CapacityAccepted(service_id=service_id, event_id=event.event_id, correlation_id=correlation_id)

    return router
