"""The adapter inside the runtime: tokens through the encrypted DB store, the sync engine end to end."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flipkart_support import CREDENTIAL_KEYS, RATE_SCALE, RecordingTransport, token_calls
from sqlalchemy import func, select, update
from tests.conftest import FIXED_NOW, _empty_tables

from robnu.adapters.base import HttpFactory
from robnu.adapters.flipkart.client import TOKEN_MARGIN
from robnu.adapters.http import HttpPolicy
from robnu.config import Settings
from robnu.db.models import MarketplaceAccessToken, Order, Shipment
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.sandbox.world import SandboxWorld
from robnu.services.accounts import connect_account, create_seller
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
    world = SandboxWorld.frozen_at(FIXED_NOW, codes=("FLIPKART",), rate_scale=RATE_SCALE)
    transport = RecordingTransport(world.transport())
    policy = HttpPolicy(backoff_base=0.001, backoff_cap=0.005, rate_scale=RATE_SCALE)
    http = HttpFactory(policy=policy, endpoints=world.endpoints(), transport=transport)
    rt = Runtime.create(settings.model_copy(update={"backfill_days": 45}), http=http, clock=world.clock)
    _empty_tables(rt.engine)
    sandbox = world["FLIPKART"]
    creds = sandbox.create_account()
    sandbox.generate_orders(creds["seller_id"], 60)
    seller = create_seller(rt, "Flipkart runtime test")
    account = connect_account(rt, seller, "FLIPKART", {k: creds[k] for k in CREDENTIAL_KEYS})
    try:
        yield Live(world, sandbox, rt, transport, account, creds["seller_id"])
    finally:
        world.close()
        rt.engine.dispose()


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
