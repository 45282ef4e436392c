"""The adapter inside the runtime: tokens through the encrypted DB store, the sync engine end to end."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flipkart_support import RecordingTransport, token_calls
from sqlalchemy import func, select, update
from tests.sandbox_wiring import connect_sandbox_account, runtime_for, sandbox_http, sandbox_world

from robnu.adapters.flipkart.auth import TOKEN_MARGIN
from robnu.config import Settings
from robnu.db.models import MarketplaceAccessToken, Order, Shipment
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import create_seller
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine


@dataclass
class Live:
    world: SandboxWorld
    sandbox: Any
    rt: Runtime
    transport: RecordingTransport
    account: int
    key: str


@pytest.fixture
def live(settings: Settings) -> Iterator[Live]:
    with sandbox_world(("FLIPKART",)) as world:
        transport = RecordingTransport(world.transport())
        http = sandbox_http(world, transport=transport, backoff_cap=0.005)
        with runtime_for(world, settings, http=http, backfill_days=45) as rt:
            sandbox = world["FLIPKART"]
            creds = sandbox.create_account()
            sandbox.generate_orders(creds["seller_id"], 60)
            seller = create_seller(rt, "Flipkart runtime test")
            account, _ = connect_sandbox_account(rt, world, "FLIPKART", seller, creds=creds)
            yield Live(world, sandbox, rt, transport, account, creds["seller_id"])


def _token_row(live: Live) -> MarketplaceAccessToken:
    with live.rt.sessions() as s:
        row = s.get(MarketplaceAccessToken, live.account)
        assert row is not None
        return row


def test_token_is_stored_encrypted_and_reused_then_replaced_before_expiry(live: Live) -> None:
    engine = SyncEngine(live.rt)
    assert engine.run(live.account, ScheduleTarget.ORDERS).status is SyncRunStatus.SUCCEEDED
    assert engine.run(live.account, ScheduleTarget.RETURNS).status is SyncRunStatus.SUCCEEDED
    assert token_calls(live.transport) == 1  # the second run (a new context) read the stored token
    row = _token_row(live)
    assert row.expires_at > live.world.clock.now() + timedelta(days=59)
    issued = live.sandbox.api.tokens
    assert all(token not in row.token_ciphertext for token in getattr(issued, "_tokens", {}))
    # within the safety margin of its expiry: replaced before any call is refused
    with live.rt.session() as s:
        s.execute(
            update(MarketplaceAccessToken)
            .where(MarketplaceAccessToken.marketplace_account_id == live.account)
            .values(expires_at=live.world.clock.now() + TOKEN_MARGIN - timedelta(minutes=1))
        )
    assert engine.run(live.account, ScheduleTarget.ORDERS).status is SyncRunStatus.SUCCEEDED
    assert token_calls(live.transport) == 2
    assert 401 not in {status for _, _, status, _ in live.transport.calls}
    assert _token_row(live).expires_at > live.world.clock.now() + timedelta(days=59)


def test_orders_land_with_items_and_shipments(live: Live) -> None:
    outcome = SyncEngine(live.rt).run(live.account, ScheduleTarget.ORDERS)
    assert outcome.status is SyncRunStatus.SUCCEEDED and outcome.quarantined == 0
    truth = live.sandbox.truth(live.key)["orders"]
    with live.rt.sessions() as s:
        orders = {o.external_id: o for o in s.execute(select(Order)).scalars()}
        assert set(orders) == set(truth)
        shipments = {x.external_id: x for x in s.execute(select(Shipment)).scalars()}
        assert set(shipments) == {t["shipment_id"] for t in truth.values()}
        with_awb = s.execute(select(func.count(Shipment.id)).where(Shipment.awb.is_not(None))).scalar_one()
        assert with_awb > 0 and all(o.ship_pincode for o in orders.values())
