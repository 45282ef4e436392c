"""The truth of a Flipkart account: what a full sync must leave in Robnu's database, keyed by Flipkart's ids."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from robnu.sandbox.flipkart import ids
from robnu.sandbox.flipkart.settlement import payouts
from robnu.sandbox.flipkart.world import World


def account_truth(world: World, key: str) -> dict[str, Any]:
    """What Robnu's database must hold after a full sync of ``key``: orders, returns, payouts and totals."""
    with world.lock:
        world.tick(key)
        orders: dict[str, Any] = {}
        total = Decimal(0)
        for sh in world.shipments_of(key):
            assert sh.updated_at is not None
            orders[sh.order_id] = {
                "status": sh.status,
                "updated_at": ids.iso(sh.updated_at),
                "total": str(ids.money(sh.total)),
                "items": len(sh.items),
                "shipment_id": sh.shipment_id,
                "payment_type": sh.payment_type,
            }
            total += sh.total
        returns: dict[str, Any] = {}
        for sid in world.index[key].shipments:
            for rid in world.returns_of.get(sid, []):
                r = world.returns[rid]
                returns[rid] = {
                    "kind": r.source,
                    "status": r.status,
                    "order_item_id": r.item.order_item_id,
                    "order_id": r.shipment.order_id,
                    "updated_at": ids.iso(r.updated_at),
                }
        pays = payouts(world, key)
        nets = {p.neft_id: p.net for p in pays}  # each sums every line of the payout: once
        payout_view = {
            p.neft_id: {
                "net": str(nets[p.neft_id]),
                "lines": len(p.lines),
                "settlement_date": p.settlement_date.isoformat(),
            }
            for p in pays
        }
        return {
            "orders": orders,
            "returns": returns,
            "payouts": payout_view,
            "totals": {
                "order_value": str(ids.money(total)),
                "payout_net": str(ids.money(sum(nets.values(), Decimal(0)))),
            },
        }
