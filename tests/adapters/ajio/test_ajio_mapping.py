"""AJIO mapping and status tables, fed with real sandbox responses (fetched over HTTP, not hand-written)."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from robnu.adapters.ajio import mapping
from robnu.adapters.base import map_or_quarantine
from robnu.domain.records import Quarantine
from robnu.domain.statuses import (
    OrderStatus,
    PayoutLineType,
    PayoutStatus,
    ReturnKind,
    ReturnStatus,
    ShipmentStatus,
)
from robnu.sandbox.ajio.model import ORDER_STATUSES, RETURN_STATUSES

DAY = 86400


def _all(raw: Any, path: str, key: str, now: int, days: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = 0
    while True:
        body = raw(path, from_date=now - days * DAY, to_date=now, page=page, size=50)
        out += body[key]
        page += 1
        if page >= body["page"]["totalPages"]:
            return out


def test_every_sandbox_status_is_in_the_tables() -> None:
    for raw in ORDER_STATUSES:
        assert raw in mapping.ORDER_STATUS, raw
        assert mapping.order_status(raw) is not OrderStatus.UNKNOWN
        assert mapping.shipment_status(raw) is not ShipmentStatus.UNKNOWN
    for raw in RETURN_STATUSES:
        assert mapping.return_status(raw) is not ReturnStatus.UNKNOWN, raw
    assert mapping.order_status("ON_HOLD_NEW") is OrderStatus.UNKNOWN
    assert mapping.shipment_status("ON_HOLD_NEW") is ShipmentStatus.UNKNOWN
    assert mapping.return_status("REOPENED") is ReturnStatus.UNKNOWN
    assert mapping.line_type("LOYALTY_BONUS") is PayoutLineType.OTHER


def test_purchase_orders_map_with_items_and_shipment(env: Any, raw: Any) -> None:
    now = env.now()
    orders = _all(raw, "/orders", "orders", now, 30)
    truth = env.sandbox.truth(env.key)["orders"]
    assert len(orders) > 50
    seen = Counter()
    for o in orders:
        rec = mapping.purchase_order(o)
        seen[o["status"]] += 1
        assert rec.external_id == o["order_id"]
        assert rec.raw_status == o["status"] == truth[rec.external_id]["status"]
        assert rec.status is mapping.ORDER_STATUS[o["status"]][0]
        assert rec.order_total == Decimal(truth[rec.external_id]["total"])
        assert rec.source_updated_at == datetime.fromtimestamp(o["updated_at"], UTC)
        assert rec.ordered_at <= rec.source_updated_at
        assert rec.is_cod is (o["payment_method"] == "COD")
        assert rec.ship_pincode == o["shipping_address"]["pincode"]
        assert [i.external_id for i in rec.items] == [ln["order_item_id"] for ln in o["order_lines"]]
        for item, ln in zip(rec.items, o["order_lines"], strict=True):
            assert item.sku == ln["sku"] and item.hsn == ln["hsn"]
            assert item.line_total == item.unit_price * item.quantity
            tax = ln["tax_summary"]
            assert item.tax_amount == mapping.money(tax["cgst_amount"] + tax["sgst_amount"] + tax["igst_amount"])
        (ship,) = rec.shipments
        assert ship.external_id == rec.external_id  # shipment id = order id
        assert ship.awb == o["awb_number"] and ship.courier == o["courier_name"]
        assert ship.raw_status == o["status"] and ship.status is mapping.shipment_status(o["status"])
        assert rec.dispatch_by == (datetime.fromtimestamp(o["dispatch_by"], UTC) if o["dispatch_by"] else None)
    assert len(seen) >= 3, seen  # the listing really spans several statuses


def test_pendency_orders_map_as_new(env: Any, raw: Any) -> None:
    now = env.now()
    orders = raw("/orders/pendency", from_date=now - 7 * DAY, to_date=now, size=50)["orders"]
    assert orders
    truth = env.sandbox.truth(env.key)["orders"]
    for o in orders:
        rec = mapping.pendency_order(o)
        assert rec.raw_status == "PENDENCY" == truth[rec.external_id]["status"]
        assert rec.status is OrderStatus.NEW
        assert rec.source_updated_at == rec.ordered_at == datetime.fromtimestamp(o["order_date"], UTC)
        assert rec.order_total == Decimal(truth[rec.external_id]["total"])
        assert rec.shipments[0].awb == o["tracking_number"] and rec.shipments[0].courier == o["carrier"]
        assert rec.shipments[0].status is ShipmentStatus.PENDING
        for item, ln in zip(rec.items, o["order_lines"], strict=True):
            assert item.sku == ln["item_details"]["item_code"]
            assert item.unit_price == mapping.money(ln["unit_price"])
            assert item.quantity == ln["ordered_quantity"]


def test_same_order_maps_alike_in_pendency_and_po_listing(env: Any, raw: Any) -> None:
    """An order's item prices mean the same thing whichever listing it came from."""
    now = env.now()
    pend = {o["order_id"]: o for o in raw("/orders/pendency", from_date=now - 7 * DAY, to_date=now)["orders"]}
    oid = next(iter(pend))
    env.sandbox.world.stop(
        env.sandbox.world.book(env.key), env.sandbox.world.book(env.key).by_id[oid], "CONFIRMED", "", now
    )
    (po,) = raw("/orders", order_id=oid)["orders"]
    a, b = mapping.pendency_order(pend[oid]), mapping.purchase_order(po)
    assert [(i.external_id, i.sku, i.quantity, i.unit_price) for i in a.items] == [
        (i.external_id, i.sku, i.quantity, i.unit_price) for i in b.items
    ]
    assert a.order_total == b.order_total and b.source_updated_at >= a.source_updated_at


def test_unknown_status_and_broken_records(env: Any, raw: Any) -> None:
    now = env.now()
    o = raw("/orders", from_date=now - 30 * DAY, to_date=now, size=1)["orders"][0]
    odd = {**copy.deepcopy(o), "status": "ON_HOLD_NEW"}
    rec = mapping.purchase_order(odd)
    assert rec.status is OrderStatus.UNKNOWN and rec.raw_status == "ON_HOLD_NEW"
    assert rec.shipments[0].status is ShipmentStatus.UNKNOWN
    broken = copy.deepcopy(o)
    del broken["order_lines"][0]["order_item_id"]
    q = map_or_quarantine(mapping.purchase_order, broken, o["order_id"])
    assert isinstance(q, Quarantine) and q.external_id == o["order_id"] and "order_item_id" in q.error
    bad_money = {**copy.deepcopy(o), "total_amount": "twelve"}
    assert isinstance(map_or_quarantine(mapping.purchase_order, bad_money), Quarantine)


def test_returns_map_kinds_reasons_and_qc(env: Any, raw: Any) -> None:
    now = env.now()
    rets = _all(raw, "/returns", "returns", now, 30)
    truth = env.sandbox.truth(env.key)["returns"]
    assert rets
    kinds = Counter()
    for r in rets:
        rec = mapping.return_record(r)
        kinds[rec.kind] += 1
        assert rec.external_id == r["return_id"] and rec.order_external_id == r["order_id"]
        assert rec.raw_status == r["status"] == truth[rec.external_id]["status"]
        assert rec.kind is {"CR": ReturnKind.CUSTOMER_RETURN, "RTO": ReturnKind.RTO}[r["return_type"]]
        assert rec.return_awb == r["awb_number"]
        assert rec.reason == ",".join(sorted({ln["reason_code"] for ln in r["lines"]}))
        assert [(i.order_item_external_id, i.quantity) for i in rec.items] == [
            (ln["order_item_id"], ln["quantity"]) for ln in r["lines"]
        ]
        assert rec.source_updated_at == datetime.fromtimestamp(r["updated_at"], UTC)
    assert set(kinds) == {ReturnKind.CUSTOMER_RETURN, ReturnKind.RTO}, kinds
    sample = copy.deepcopy(rets[0])
    sample["status"] = "QC_DONE"
    sample["lines"][0]["qc"] = [{"unit_index": 1, "qc_status": "PASS", "qc_code": "P01_GOOD_RESALEABLE"}]
    assert mapping.return_record(sample).status is ReturnStatus.QC_PASSED
    sample["lines"][0]["qc"].append({"unit_index": 2, "qc_status": "FAIL", "qc_code": "F02_USED_OR_WORN"})
    assert mapping.return_record(sample).status is ReturnStatus.QC_FAILED


def test_settlements_map_to_signed_lines_adding_up(env: Any, raw: Any) -> None:
    settlements = raw("/payments/settlements", from_date="2026-01-01", to_date="2026-12-31")["settlements"]
    assert settlements
    truth = env.sandbox.truth(env.key)["payouts"]
    types = Counter()
    for s in settlements:
        lines = []
        page = 0
        while True:
            body = raw(f"/payments/settlements/{s['settlement_id']}/lines", page=page, size=50)
            lines += body["lines"]
            page += 1
            if page >= body["page"]["totalPages"]:
                break
        rec = mapping.payout(s, lines)
        assert rec.net_amount == Decimal(truth[rec.external_id]["net"])
        assert sum(ln.amount for ln in rec.lines) == rec.net_amount
        assert rec.status is {"PAID": PayoutStatus.PAID, "SCHEDULED": PayoutStatus.SCHEDULED}[s["status"]]
        assert rec.period_start < rec.period_end <= rec.source_updated_at
        assert (rec.paid_at is not None) is (s["status"] == "PAID")
        for ln, src in zip(rec.lines, lines, strict=True):
            types[src["line_type"]] += 1
            assert ln.line_type is not PayoutLineType.OTHER, src["line_type"]
            assert ln.order_external_id == src["order_id"]
            if ln.line_type is PayoutLineType.SALE:
                assert ln.amount > 0
            if ln.line_type in (PayoutLineType.COMMISSION, PayoutLineType.SHIPPING_FEE, PayoutLineType.PENALTY):
                assert ln.amount < 0
    assert {"ORDER_SALE", "MARGIN", "FORWARD_LOGISTICS", "GST_ON_FEES", "TCS", "TDS"} <= set(types), types
    s = settlements[0]
    wrong = {**s, "net_amount": float(Decimal(str(s["net_amount"])) + 1)}
    assert isinstance(map_or_quarantine(lambda p: mapping.payout(p, []), wrong), Quarantine)


def test_paid_settlement_is_newer_than_scheduled(env: Any, raw: Any) -> None:
    s = raw("/payments/settlements", from_date="2026-01-01", to_date="2026-12-31")["settlements"][-1]
    scheduled = mapping.settlement_times({**s, "status": "SCHEDULED"})
    paid = mapping.settlement_times({**s, "status": "PAID"})
    assert paid[3] > scheduled[3] and paid[2] is not None and scheduled[2] is None
