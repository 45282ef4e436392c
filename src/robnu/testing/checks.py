"""What the conformance scenarios compare: Robnu's database against the sandbox's own truth."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from robnu.db.models import (
    InventoryTask,
    Listing,
    MarketplaceAccount,
    MarketplacePayout,
    Order,
    OrderReturn,
    PayoutLineItem,
)
from robnu.domain.marketplace import SYNC_TARGETS, ScheduleTarget
from robnu.services.sync import SyncEngine, SyncOutcome
from robnu.testing.harness import Harness

SYNC_ORDER = (ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS)


def sync_all(h: Harness, account_id: int, **kwargs: Any) -> dict[ScheduleTarget, SyncOutcome]:
    """Every sync target the adapter declares, in order (orders before the returns and payouts naming them)."""
    engine = SyncEngine(h.rt)
    declared = h.adapter.supported_targets & SYNC_TARGETS
    return {t: engine.run(account_id, t, **kwargs) for t in SYNC_ORDER if t in declared}


def assert_matches_truth(h: Harness, account_id: int) -> None:
    """The database equals the sandbox's truth for everything older than the sync window's end: no order lost,
    none invented, statuses and money equal; returns and payouts only ones the marketplace has."""
    truth = h.sandbox.truth(h.key)
    horizon = h.world.clock.now() - timedelta(seconds=h.rt.settings.sync_safety_lag_seconds + 60)
    with h.rt.sessions() as s:
        stored = {
            o.external_id: o
            for o in s.execute(select(Order).where(Order.marketplace_account_id == account_id)).scalars()
        }
        orders = truth.get("orders", {})
        assert set(stored) <= set(orders), "orders in Robnu that the marketplace does not have"
        for external_id, t in orders.items():
            if "updated_at" in t and t["updated_at"] > horizon.isoformat():
                continue
            assert external_id in stored, f"order {external_id} lost"
            assert stored[external_id].raw_status == str(t["status"]), external_id
            assert stored[external_id].order_total == Decimal(t["total"]), external_id
        returns = set(
            s.execute(select(OrderReturn.external_id).where(OrderReturn.marketplace_account_id == account_id)).scalars()
        )
        assert returns <= set(truth.get("returns", {})), "returns in Robnu that the marketplace does not have"
        settled = {
            p.external_id: p
            for p in s.execute(
                select(MarketplacePayout).where(MarketplacePayout.marketplace_account_id == account_id)
            ).scalars()
        }
        payouts = truth.get("payouts", {})
        assert set(settled) <= set(payouts), "payouts in Robnu that the marketplace does not have"
        for external_id, p in settled.items():
            assert p.net_amount == Decimal(payouts[external_id]["net"]), external_id
            lines = s.execute(
                select(func.coalesce(func.sum(PayoutLineItem.amount), 0)).where(PayoutLineItem.payout_id == p.id)
            ).scalar_one()
            assert Decimal(str(lines)) == p.net_amount, f"payout {external_id}: lines do not add up to net"


def counts(h: Harness, account_id: int) -> tuple[int, int, int]:
    """Orders, returns and payouts stored for the account."""
    with h.rt.sessions() as s:
        found = [
            int(s.execute(select(func.count(m.id)).where(m.marketplace_account_id == account_id)).scalar_one())
            for m in (Order, OrderReturn, MarketplacePayout)
        ]
    return found[0], found[1], found[2]


def secrets_of(creds: dict[str, Any]) -> list[str]:
    """The credential values that look secret (by name), long enough to recognise in a message."""
    return [
        value
        for key, value in creds.items()
        if isinstance(value, str) and any(w in key for w in ("secret", "password", "token")) and len(value) >= 8
    ]


def add_listing_tasks(h: Harness, account: int, plan: list[tuple[Any, list[int]]]) -> dict[str, int]:
    """Listings of the account with queued inventory tasks, one per quantity (versions 1, 2, ...)."""
    now = h.world.clock.now()
    ids = {}
    with h.rt.session() as s:
        acct = s.get(MarketplaceAccount, account)
        assert acct is not None
        for listing, quantities in plan:
            row = Listing(
                seller_id=acct.seller_id,
                marketplace_account_id=account,
                external_id=listing.external_id,
                source_updated_at=now,
                status="ACTIVE",
                raw_status="ACTIVE",
                created_at=now,
                updated_at=now,
                seller_sku=listing.seller_sku,
                marketplace_sku=listing.marketplace_sku,
            )
            s.add(row)
            s.flush()
            ids[listing.external_id] = row.id
            for version, qty in enumerate(quantities, start=1):
                s.add(
                    InventoryTask(
                        seller_id=acct.seller_id,
                        marketplace_account_id=account,
                        listing_id=row.id,
                        quantity=qty,
                        stock_version=version,
                        created_at=now,
                        updated_at=now,
                    )
                )
    return ids
