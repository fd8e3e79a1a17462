"""An event publisher that keeps what it is given: for tests about a store or a service layer,
where the broker is not the subject (end-to-end tests use the real one)."""

from __future__ import annotations


class RecordingBus:
    def __init__(self) -> None:
        self.published: list = []

    async def publish(self, topic: str, event) -> None:
        self.published.append((topic, event))

    def of_type(self, event_type: type) -> list:
        return [event for _, event in self.published if isinstance(event, event_type)]
