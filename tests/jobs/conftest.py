"""Fixtures for the job layer: the Kirana Hub test marketplace (a real adapter over real HTTP
semantics) on the shared test database, with a mutable order feed and a manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from robnu import migrations
from robnu.adapters.base import HttpFactory
from robnu.adapters.http import HttpPolicy
from robnu.adapters.registry import registry
from robnu.domain.clock import ManualClock
from robnu.sandbox.transport import InProcessTransport
from robnu.services.accounts import connect_account, create_seller
from robnu.services.runtime import Runtime
from tests.conftest import FIXED_NOW, PG_URL
from tests.fifth_marketplace import sandbox
from tests.fifth_marketplace.adapter import KiranaHubAdapter

KH_VERSIONS = str(Path(__file__).parents[1] / "fifth_marketplace" / "migrations")

requires_pg = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"),
    reason="Procrastinate needs PostgreSQL: set ROBNU_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1/postgres",
)


@dataclass
class KH:
    rt: Runtime
    clock: ManualClock
    orders: list[dict[str, Any]]
    seller: int
    account: int

    def connect(self, shop: str, token: str = sandbox.SHOP_TOKEN) -> int:
        return connect_account(self.rt, self.seller, "KIRANA_HUB", {"shop_id": shop, "api_token": token})


@pytest.fixture
def kh(rt: Runtime) -> Iterator[KH]:
    migrations.upgrade(rt.engine, extra_version_locations=[KH_VERSIONS])
    orders = sandbox.build_orders(25)
    rt.http = HttpFactory(
        policy=HttpPolicy(backoff_base=0.001, max_retries=1),
        endpoints={"KIRANA_HUB": {"api": "http://kirana.sandbox"}},
        transport=InProcessTransport(sandbox.create_app(orders)),
    )
    clock = ManualClock(FIXED_NOW)
    rt.clock = clock
    registry.register(KiranaHubAdapter)
    seller = create_seller(rt, "Jobs Test", owner_email="owner@example.in")
    account = connect_account(rt, seller, "KIRANA_HUB", {"shop_id": "KH0001", "api_token": sandbox.SHOP_TOKEN})
    try:
        yield KH(rt, clock, orders, seller, account)
    finally:
        registry.unregister("KIRANA_HUB")
        remove_kirana_hub(rt)


def remove_kirana_hub(rt: Runtime) -> None:
    """Leave the shared database as the core knows it (later tests migrate it without this branch)."""
    if "kh_0001" not in migrations.current_heads(rt.engine):
        return
    with rt.engine.begin() as c:
        c.exec_driver_sql(
            "DELETE FROM marketplace_accounts WHERE marketplace_id IN "
            "(SELECT id FROM marketplaces WHERE code = 'KIRANA_HUB')"
        )
    migrations.downgrade(rt.engine, "kirana_hub@base", extra_version_locations=[KH_VERSIONS])
