"""Scale: 100k orders in one account; a page is served from the sorted index, not a scan of everything."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest
from meesho_support import T0, MeeshoClient
from tests.sandbox.scale_timing import best_of, seconds_per

from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho import build_sandbox
from robnu.sandbox.transport import InProcessTransport


def _generate_and_page(orders: int) -> tuple[float, float]:
    """(seconds per generated order, fastest of five pages) for an account of ``orders`` orders."""
    clock = SandboxClock(frozen_at=T0)
    sandbox = build_sandbox(seed=3, clock=clock, rate_limits_enabled=False)
    creds = sandbox.create_account()
    per_order = seconds_per(orders, lambda: sandbox.generate_orders(creds["supplier_id"], orders, days=30))
    transport = InProcessTransport(sandbox.apps["api"])
    with httpx.Client(transport=transport, base_url="http://meesho.sandbox") as http:
        client = MeeshoClient(http, clock, creds)
        window = {
            "created_from": (T0 - timedelta(days=20)).isoformat(),
            "created_to": (T0 - timedelta(days=10)).isoformat(),
        }
        first = client.get("/v1/sub-orders", limit=100, **window).json()
        client.get("/v1/sub-orders", limit=100, **window)  # warm
        timings = []
        cursor = first["pagination"]["next_cursor"]
        for _ in range(5):
            started = time.perf_counter()
            page = client.get("/v1/sub-orders", limit=100, cursor=cursor, **window).json()
            timings.append(time.perf_counter() - started)
            assert len(page["data"]) == 100
            cursor = page["pagination"]["next_cursor"]
    transport.close()
    return per_order, min(timings)


@pytest.mark.slow
def test_100k_orders_page_as_fast_as_2k() -> None:
    """Measured side by side against a 2,000-order account in the same run (ratios, so a loaded machine does
    not fail the test): a page costs about the same, and generation stays linear."""
    small_gen, small_page = best_of(3, lambda: _generate_and_page(2_000))
    big_gen, big_page = _generate_and_page(100_000)
    assert big_page < 5 * small_page + 0.005, (small_page, big_page)
    assert big_gen < 4 * small_gen, (small_gen, big_gen)
