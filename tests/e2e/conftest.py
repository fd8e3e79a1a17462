"""End-to-end ordering: checks of what the scenarios left behind (logs) run after all of them."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("after_the_scenarios") is not None)  # stable sort
