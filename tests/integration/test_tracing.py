"""One trace from intake to the notifier's e-mail: the four services' apps run in this process
(on the real broker, store and SMTP sink) with an in-memory span exporter, and an agency's requests
carry its trace context; the spans of all four services share its trace id."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from importlib import import_module

import httpx
import pytest
from devstack.services import app_module
from devstack.paths import demo_file
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from factories import referral_payload

pytestmark = pytest.mark.integration
LEAD = {"agency_id": "cmh-east", "person": "Sam Lee"}


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


def app_of(name: str, **settings):
    settings_type = import_module(f"{name}.config").Settings
    chosen = settings_type(**{k: v for k, v in settings.items() if k in settings_type.model_fields})
    return import_module(app_module(name)).create_app(chosen)


def login_of(kafka, service: str) -> dict[str, str]:
    """Each app logs in to Kafka as its own service, as the processes do."""
    return {name.lower(): value for name, value in kafka.environment(service).items()}


async def test_one_trace_spans_intake_triage_tracking_and_the_notifiers_send(
    spans, kafka, mongodb_url, smtp_sink, sms_sink, api_keys
) -> None:
    common = {"mongodb_url": mongodb_url,
              "api_keys_path": str(api_keys.hashes_path), "directory_path": str(demo_file("hsds")),
              "policy_path": str(demo_file("policy.yaml")), "smtp_host": smtp_sink.host, "smtp_port": smtp_sink.port,
              "sms_api_url": sms_sink.url}  # the same databases and groups as the services: one platform
    apps = {name: app_of(name, **common, **login_of(kafka, name)) for name in ("intake", "triage", "tracking", "notifier")}
    tracer = trace.get_tracer("test-agency")
    async with AsyncExitStack() as running:
        for app in apps.values():
            await running.enter_async_context(app.router.lifespan_context(app))
        client = {name: await running.enter_async_context(httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")) for name, app in apps.items()}
        with tracer.start_as_current_span("gp-north refers and cmh-east closes the loop") as root:
            headers = {**api_keys.headers("gp-north")}
            propagate.inject(headers)
            reference = f"TRACE-{root.get_span_context().trace_id:x}"[:20]
            accepted = await client["intake"].post("/v1/referrals", headers=headers,
                                                   json=referral_payload(client_reference=reference))
            referral_id = accepted.json()["referral_id"]
            lead = {**api_keys.headers("cmh-east"), **{k: v for k, v in headers.items() if k != "Authorization"}}
            for _ in range(100):
                view = await client["tracking"].get(f"/v1/referrals/{referral_id}", headers=lead)
                if view.status_code == 200 and view.json()["state"] == "assigned":
                    break
                await asyncio.sleep(0.2)
            for milestone in ({"kind": "accepted", "owner": "Sam Lee"},
                              {"kind": "contact_attempted", "attempt_number": 1, "outcome": "reached", "channel": "phone"},
                              {"kind": "engaged"}):
                answer = await client["tracking"].post(f"/v1/referrals/{referral_id}/milestones", headers=lead,
                                                       json={**milestone, "actor": LEAD})
                assert answer.status_code == 201, answer.text
            trace_id = root.get_span_context().trace_id
        for _ in range(150):
            if any(s.name == "send email" for s in spans.get_finished_spans() if s.context.trace_id == trace_id):
                break
            await asyncio.sleep(0.2)
    mine = [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]
    consumed = {(s.name, s.attributes.get("consumer")) for s in mine if s.name.startswith("consume ")}
    assert ("consume referral.submitted.v1", "triage") in consumed
    assert ("consume referral.triaged.v1", "tracking") in consumed
    assert ("consume referral.closed.v1", "notifier") in consumed
    assert {s.name for s in mine} >= {"POST /v1/referrals", f"POST /v1/referrals/{referral_id}/milestones", "send email"}
