"""Fixtures of the integration tests (the broker and the store come from tests/conftest.py)."""

from __future__ import annotations

import pytest

from tracking_world import tracking_on


@pytest.fixture
async def tracking(mongodb_url: str):
    """Tracking as its composition root builds it, on a database of its own, publishing to a
    RecordingBus."""
    async with tracking_on(mongodb_url) as tracking:
        yield tracking
