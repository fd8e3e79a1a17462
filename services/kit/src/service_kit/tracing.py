"""OpenTelemetry traces that follow one referral across the services: each HTTP request and each
handled record is a span; the W3C trace context travels in the Kafka headers (`traceparent`), so
intake → triage → tracking → notifier is one trace. Off by default (OTEL_TRACES_EXPORTER=none);
`console` prints spans, `otlp` sends them to OTEL_EXPORTER_OTLP_ENDPOINT."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, get_current_span
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

tracer = trace.get_tracer("referral-platform")


def configure_tracing(service: str, exporter: str) -> None:
    """Install a tracer provider exporting with `exporter` (none | console | otlp)."""
    if exporter == "none":
        return
    chosen: SpanExporter
    if exporter == "console":
        chosen = ConsoleSpanExporter()
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        chosen = OTLPSpanExporter()
    else:
        raise ValueError(f"OTEL_TRACES_EXPORTER: none, console or otlp, not {exporter!r}")
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(chosen))
    trace.set_tracer_provider(provider)


def trace_headers() -> dict[str, str]:
    """The current trace context as headers to send along (W3C traceparent / tracestate)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def span(name: str, *, parent_headers: Mapping[str, str] | None = None,
         linked_headers: Sequence[Mapping[str, str]] = (), **attributes: str) -> Iterator[None]:
    """A span named `name`, continuing the trace in `parent_headers` when given, and linked to the
    traces in `linked_headers` (a batch handled as one: OpenTelemetry's pattern for batch consumers)."""
    context = propagate.extract(dict(parent_headers)) if parent_headers is not None else None
    links = [Link(c) for h in linked_headers if (c := get_current_span(propagate.extract(dict(h))).get_span_context()).is_valid]
    with tracer.start_as_current_span(name, context=context, attributes=attributes, links=links):
        yield
