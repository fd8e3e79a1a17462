"""`make run`'s demo activity against the running services: thirty referrals sent and worked by
simulated agencies, last week's untouched ones overdue on the platform's clock."""

from __future__ import annotations

import httpx
import pytest
from devstack.keys import OVERSIGHT
from devstack.simulator import Simulator

from polling import eventually

pytestmark = pytest.mark.e2e


def test_the_demo_fills_the_dashboard_with_referrals_some_of_them_overdue(running_services, api_keys,
                                                                          platform_clock) -> None:
    since = platform_clock.now().isoformat()
    done = Simulator(running_services, api_keys, platform_clock).run()
    assert done["sent"] == 30 and done["engaged"] >= 1

    def figures() -> dict | None:
        summary = httpx.get(f"{running_services['oversight']}/v1/oversight/summary", params={"since": since},
                            headers=api_keys.headers(OVERSIGHT)).json()
        # The watcher fires the overdue ones' breaches; the read side trails tracking by its consumer lag.
        caught_up = summary["volume"] == 30 and summary["funnel"]["engaged"] == done["engaged"]
        return summary if summary["breaches"] and caught_up else None

    summary = eventually(figures, "the breaches of last week's untouched referrals, and every referral projected")
    assert summary["volume"] == 30 and summary["funnel"]["engaged"] == done["engaged"]
    assert 1 <= summary["overdue"] <= done["left to go overdue"]
