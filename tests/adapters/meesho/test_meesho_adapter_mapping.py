"""Mapping and status tables, fed with real responses of the Meesho sandbox (not hand-written fakes)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from meesho_adapter_support import Env

from robnu.adapters.base import map_or_quarantine
from robnu.adapters.meesho import mapping
from robnu.domain.records import Quarantine
from robnu.domain.statuses import (
    OrderStatus,
    PayoutLineType,
    PayoutStatus,
    ReturnKind,
    ReturnStatus,
    ShipmentStatus,
)

Raw = Callable[..., Any]


def _iso(env: Env, days: float) -> str:
    return mapping.iso_ist(env.world.clock.now() - timedelta(days=days))


def _all(raw: Raw, path: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        body = raw(path, limit=100, **params, **({"cursor": cursor} if cursor else {}))
        rows += body["data"]
        if not body["pagination"]["has_more"]:
            return rows
        cursor = body["pagination"]["next_cursor"]


@pytest.fixture
def sub_orders(env: Env, raw: Raw) -> list[dict[str, Any]]:
    return _all(raw, "/v1/sub-orders", created_from=_iso(env, 30), created_to=_iso(env, 0))


def test_every_sub_order_maps_with_item_shipment_and_money(env: Env, sub_orders: list[dict[str, Any]]) -> None:
    truth = env.sandbox.truth(env.key)["orders"]
    assert len(sub_orders) > 200
    for o in sub_orders:
        rec = mapping.sub_order(o)
        no = o["sub_order_no"]
        assert rec.external_id == no and no.startswith(o["order_no"] + "_")
        assert rec.raw_status == o["status"] == truth[no]["status"]
        assert rec.status is not OrderStatus.UNKNOWN and rec.shipments[0].status is not ShipmentStatus.UNKNOWN
        assert rec.order_total == Decimal(truth[no]["total"]) == rec.items[0].line_total
        assert rec.source_updated_at == mapping.when(o["updated_at"]) and rec.source_updated_at.tzinfo is not None
        assert rec.ordered_at <= rec.source_updated_at
        item = rec.items[0]
        assert (item.external_id, item.sku, item.quantity) == (no, o["item"]["sku"], o["item"]["quantity"])
        assert item.unit_price * item.quantity == item.line_total
        assert Decimal(0) < item.tax_amount < item.line_total
        ship = rec.shipments[0]
        assert (ship.awb, ship.courier) == (o["shipping"]["awb"], o["shipping"]["courier"])
        assert ship.dispatch_by == rec.dispatch_by == mapping.when(o["sla_deadline"])
        assert rec.is_cod == (o["payment_mode"] == "COD")
        assert rec.ship_pincode == o["customer"]["pincode"] and rec.ship_state_code is not None
        assert len(rec.ship_state_code) == 2 and rec.ship_state_code.isdigit()
    seen = {o["status"] for o in sub_orders}
    assert {"SHIPPED", "DELIVERED", "CANCELLED", "PENDING"} <= seen, seen


def test_shipped_sub_orders_carry_awb_courier_and_pickup(sub_orders: list[dict[str, Any]]) -> None:
    shipped = [mapping.sub_order(o) for o in sub_orders if o["status"] in ("SHIPPED", "DELIVERED")]
    assert shipped
    for rec in shipped:
        ship = rec.shipments[0]
        assert ship.awb and ship.courier and ship.shipped_at is not None
        if rec.raw_status == "DELIVERED":
            assert ship.delivered_at is not None and ship.delivered_at >= ship.shipped_at


def test_ready_to_ship_is_refined_by_documents(sub_orders: list[dict[str, Any]]) -> None:
    base = copy.deepcopy(sub_orders[0])
    base["status"] = "READY_TO_SHIP"
    base["shipping"] = {**base["shipping"], "label_id": None, "manifest_id": None}
    assert mapping.sub_order_status(base) == (OrderStatus.ACCEPTED, ShipmentStatus.PENDING)
    base["shipping"]["label_id"] = "LBL1"
    assert mapping.sub_order_status(base) == (OrderStatus.PACKED, ShipmentStatus.PACKED)
    base["shipping"]["manifest_id"] = "MNF1"
    assert mapping.sub_order_status(base) == (OrderStatus.READY_TO_SHIP, ShipmentStatus.READY_TO_SHIP)


def test_status_table_covers_every_documented_state() -> None:
    documented = {
        "UNVERIFIED",
        "PENDING",
        "HOLD",
        "READY_TO_SHIP",
        "SHIPPED",
        "DELIVERED",
        "CANCELLED",
        "RTO",
        "CUSTOMER_RETURN",
    }
    assert set(mapping.ORDER_STATUS) == documented
    assert all(s is not OrderStatus.UNKNOWN for s, _ in mapping.ORDER_STATUS.values())


def test_unknown_status_is_unknown_and_a_broken_record_is_quarantined(sub_orders: list[dict[str, Any]]) -> None:
    odd = copy.deepcopy(sub_orders[0])
    odd["status"] = "TELEPORTED"
    rec = mapping.sub_order(odd)
    assert (rec.status, rec.shipments[0].status, rec.raw_status) == (
        OrderStatus.UNKNOWN,
        ShipmentStatus.UNKNOWN,
        "TELEPORTED",
    )
    broken = copy.deepcopy(sub_orders[0])
    broken["item"]["total_price"] = "not money"
    got = map_or_quarantine(mapping.sub_order, broken, broken["sub_order_no"])
    assert isinstance(got, Quarantine) and got.external_id == broken["sub_order_no"]
    del broken["item"]
    assert isinstance(map_or_quarantine(mapping.sub_order, broken), Quarantine)


def test_returns_map_kind_reason_awb_and_status(env: Env, raw: Raw) -> None:
    rows = _all(raw, "/v1/returns", updated_from=_iso(env, 30), updated_to=_iso(env, 0))
    truth = env.sandbox.truth(env.key)["returns"]
    assert rows
    kinds = set()
    for r in rows:
        rec = mapping.return_record(r)
        kinds.add(rec.kind)
        assert rec.external_id == r["return_id"] and rec.raw_status == truth[r["return_id"]]["status"]
        assert rec.kind is ReturnKind(truth[r["return_id"]]["kind"])
        assert rec.status is not ReturnStatus.UNKNOWN, r["status"]
        assert rec.order_external_id == r["sub_order_no"] == rec.items[0].order_item_external_id
        assert rec.return_awb == r["reverse_awb"] and rec.reason and rec.reason.startswith(r["reason_code"])
        assert rec.items[0].quantity == r["quantity"] and rec.items[0].sku == r["sku"]
        assert rec.source_updated_at == mapping.when(r["updated_at"])
    assert kinds == {ReturnKind.RTO, ReturnKind.CUSTOMER_RETURN}
    odd = {**rows[0], "status": "SOMETHING_NEW"}
    assert mapping.return_record(odd).status is ReturnStatus.UNKNOWN
    assert isinstance(map_or_quarantine(mapping.return_record, {**rows[0], "type": "EXCHANGE"}), Quarantine)


def test_settlements_map_to_signed_typed_lines_that_add_up(env: Env, raw: Raw) -> None:
    today = env.world.clock.now().date()
    headers = raw("/v1/payments/settlements", **{"from": str(today - timedelta(days=60)), "to": str(today)})["data"]
    assert headers
    truth = env.sandbox.truth(env.key)["payouts"]
    types = set()
    for h in headers:
        lines = _all(raw, f"/v1/payments/settlements/{h['settlement_id']}/lines")
        rec = mapping.payout(h, lines)
        assert rec.net_amount == Decimal(truth[h["settlement_id"]]["net"]) == sum(ln.amount for ln in rec.lines)
        assert rec.status is PayoutStatus(h["status"]) and rec.raw_status == h["status"]
        assert rec.period_start is not None and rec.period_end is not None and rec.period_start < rec.period_end
        assert (rec.paid_at is not None) == (h["status"] == "PAID")
        for line, row in zip(rec.lines, lines, strict=True):
            types.add(line.line_type)
            assert line.external_id == row["line_id"] and line.order_external_id == row["sub_order_no"]
            assert line.description and line.description.startswith(row["line_type"])
            assert line.line_type is mapping.LINE_TYPE[row["line_type"]]
            if line.line_type in (PayoutLineType.SALE,):
                assert line.amount > 0
            if line.line_type in (PayoutLineType.SHIPPING_FEE, PayoutLineType.GST_ON_FEES, PayoutLineType.PENALTY):
                assert line.amount < 0
    assert {
        PayoutLineType.SALE,
        PayoutLineType.SHIPPING_FEE,
        PayoutLineType.GST_ON_FEES,
        PayoutLineType.TCS,
        PayoutLineType.TDS,
    } <= types
    h = headers[0]
    lines = _all(raw, f"/v1/payments/settlements/{h['settlement_id']}/lines")
    with pytest.raises(ValueError, match="add up"):
        mapping.payout(h, lines[1:])


def test_settlement_update_time_moves_forward_when_paid() -> None:
    header = {
        "settlement_id": "STL1",
        "period_start": "2026-01-05",
        "period_end": "2026-01-11",
        "payment_date": "2026-01-14",
        "status": "SCHEDULED",
        "net_amount": "0.00",
        "line_count": 0,
    }
    scheduled = mapping.payout(header, [])
    paid = mapping.payout({**header, "status": "PAID"}, [])
    assert scheduled.source_updated_at < paid.source_updated_at
    assert scheduled.status is PayoutStatus.SCHEDULED and paid.status is PayoutStatus.PAID
    assert mapping.payout({**header, "status": "HELD"}, []).status is PayoutStatus.UNKNOWN


def test_worked_example_line_types() -> None:
    """A worked settlement example (₹499 COD) through the line mapping: net 411.18."""
    rows = [
        ("ORDER_VALUE", "499.00"),
        ("FORWARD_SHIPPING_FEE", "-72.00"),
        ("GST_ON_FEES", "-12.96"),
        ("TCS", "-2.38"),
        ("TDS", "-0.48"),
    ]
    lines = [
        mapping.payout_line(
            {"line_id": f"X-L{i}", "sub_order_no": "X", "line_type": t, "amount": a, "event_date": "2026-01-20"}
        )
        for i, (t, a) in enumerate(rows)
    ]
    assert sum(ln.amount for ln in lines) == Decimal("411.18")
    assert [ln.line_type for ln in lines] == [
        PayoutLineType.SALE,
        PayoutLineType.SHIPPING_FEE,
        PayoutLineType.GST_ON_FEES,
        PayoutLineType.TCS,
        PayoutLineType.TDS,
    ]
    assert mapping.payout_line({"line_id": "Y", "line_type": "NEW_FEE", "amount": "-1.00"}).line_type is (
        PayoutLineType.OTHER
    )
