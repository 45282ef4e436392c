"""Mapping and status tables, fed with REAL sandbox responses (search, lookups, details, returns, CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flipkart_support import Env

from robnu.adapters.base import map_or_quarantine
from robnu.adapters.flipkart import mapping
from robnu.adapters.flipkart.client import POST_DELIVERY, POST_DISPATCH, PRE_DISPATCH
from robnu.adapters.flipkart.mapping_returns import map_return
from robnu.adapters.flipkart.settlements import map_payout
from robnu.domain.records import Quarantine
from robnu.domain.statuses import (
    OrderStatus,
    PayoutLineType,
    PayoutStatus,
    ReturnKind,
    ReturnStatus,
    ShipmentStatus,
)
from robnu.sandbox.flipkart import model

Raw = Callable[..., Any]
ALL_ITEM_STATUSES = [
    "APPROVED",
    "PACKING_IN_PROGRESS",
    "FORM_FAILED",
    "PACKED",
    "READY_TO_DISPATCH",
    "PICKUP_COMPLETE",
    "CANCELLED",
    "RETURN_REQUESTED",
    "RETURNED",
    "SHIPPED",
    "DELIVERED",
    "COMPLETED",
]  # the OpenAPI spec's OrderItem.status enum


def _search(raw: Raw, flt: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = raw("POST", "/sellers/v3/shipments/filter", json={"filter": flt, "pagination": {"pageSize": 20}})
    while True:
        out += page["shipments"]
        if not page["hasMore"]:
            return out
        page = raw("GET", "/sellers" + page["nextPageUrl"])


def _all_shipments(raw: Raw) -> list[dict[str, Any]]:
    found = _search(raw, {"type": "preDispatch", "states": list(PRE_DISPATCH)})
    found += _search(raw, {"type": "postDispatch", "states": list(POST_DISPATCH + POST_DELIVERY)})
    for kind in ("sellerCancellation", "buyerCancellation", "marketplaceCancellation"):
        found += _search(raw, {"type": "cancelled", "states": ["CANCELLED"], "cancellationType": kind})
    return found


def test_every_documented_item_status_has_an_entry() -> None:
    for status in ALL_ITEM_STATUSES:
        assert mapping.order_status(status) is not OrderStatus.UNKNOWN, status
        assert mapping.shipment_status(status) is not ShipmentStatus.UNKNOWN, status
    assert set(model.GROUPS["preDispatch"]) == set(PRE_DISPATCH)
    assert set(model.GROUPS["postDispatch"]) == set(POST_DISPATCH)


def test_status_table_edges() -> None:
    assert mapping.order_status("SOMETHING_NEW") is OrderStatus.UNKNOWN
    assert mapping.shipment_status("SOMETHING_NEW") is ShipmentStatus.UNKNOWN
    assert mapping.order_status("APPROVED") is OrderStatus.ACCEPTED  # no acceptance step
    assert mapping.order_status("APPROVED", hold=True) is OrderStatus.PENDING
    assert mapping.order_status("PICKUP_COMPLETE") is OrderStatus.SHIPPED
    assert mapping.shipment_status("RETURN_REQUESTED", courier_return=True) is ShipmentStatus.SHIPPED
    assert mapping.shipment_status("RETURN_REQUESTED") is ShipmentStatus.DELIVERED
    assert mapping.combined_status(["CANCELLED", "CANCELLED"]) == "CANCELLED"
    assert mapping.combined_status(["CANCELLED", "SHIPPED", "DELIVERED"]) == "SHIPPED"
    assert mapping.combined_status(["DELIVERED", "WEIRD"]) == "WEIRD"  # surfaces as UNKNOWN
    for raw, want in {
        "created": ReturnStatus.REQUESTED,
        "picked_up": ReturnStatus.IN_TRANSIT,
        "completed": ReturnStatus.DELIVERED_TO_SELLER,
        "cancelled": ReturnStatus.CANCELLED,
        "rejected": ReturnStatus.CANCELLED,
        "RETURN_PICKED_UP": ReturnStatus.IN_TRANSIT,
        "mystery": ReturnStatus.UNKNOWN,
    }.items():
        assert mapping.return_status(raw) is want, raw
    assert mapping.line_type("COMMISSION", Decimal("5")) is PayoutLineType.REVERSAL
    assert mapping.line_type("COMMISSION", Decimal("-5")) is PayoutLineType.COMMISSION
    assert mapping.line_type("NEW_FEE", Decimal("-5")) is PayoutLineType.OTHER


def test_timestamps_accept_ist_and_z() -> None:
    a = mapping.parse_ts("2017-04-10T10:00:00.000+05:30")
    b = mapping.parse_ts("2017-04-10T04:30:00Z")
    assert a == b and a.utcoffset() == timedelta(0)
    assert mapping.fk_time(a) == "2017-04-10T10:00:00.000+05:30"


def test_orders_from_real_search_lookup_and_details(env: Env, raw: Raw) -> None:
    truth = env.sandbox.truth(env.key)["orders"]
    shipments = _all_shipments(raw)
    grouped = mapping.group_by_order(shipments)
    assert set(grouped) == set(truth)  # the extended postDispatch states reach every order
    ids = list(grouped)[:100]
    looked_up = raw("GET", "/sellers/v3/shipments", params={"orderIds": ",".join(ids)})["shipments"]
    details = {
        d["shipmentId"]: d
        for d in raw("GET", "/sellers/v3/shipments/" + ",".join(s["shipmentId"] for s in looked_up))["shipments"]
    }
    statuses = set()
    for order_id, group in mapping.group_by_order(looked_up).items():
        record = mapping.map_order(group, details)
        t = truth[order_id]
        statuses.add(record.raw_status)
        assert record.external_id == order_id
        assert record.raw_status == t["status"]
        assert record.status is mapping.order_status(t["status"], hold=group[0]["hold"])
        assert record.order_total == Decimal(t["total"])
        assert len(record.items) == t["items"] and record.is_cod == (t["payment_type"] == "COD")
        assert record.source_updated_at == mapping.parse_ts(group[0]["updatedAt"])
        assert [s.external_id for s in record.shipments] == [t["shipment_id"]]
        shipment = record.shipments[0]
        assert shipment.dispatch_by == mapping.parse_ts(group[0]["dispatchByDate"])
        leg = details[t["shipment_id"]]["subShipments"][0]["courierDetails"]["deliveryDetails"]
        assert shipment.awb == (leg["trackingId"] or None)
        assert shipment.courier == ("Ekart" if leg["trackingId"] else None)
        address = details[t["shipment_id"]]["deliveryAddress"]
        assert (record.ship_city, record.ship_state_code, record.ship_pincode) == (
            address["city"],
            address["stateCode"],
            address["pinCode"],
        )
        for item, raw_item in zip(record.items, group[0]["orderItems"], strict=True):
            assert item.external_id == raw_item["orderItemId"] and item.sku == raw_item["sku"]
            assert item.marketplace_sku == raw_item["fsn"]
            assert item.line_total == Decimal(str(raw_item["priceComponents"]["totalPrice"]))
            assert item.unit_price * item.quantity == Decimal(str(raw_item["priceComponents"]["sellingPrice"]))
    assert len(statuses) >= 4, statuses


def test_an_order_split_across_shipments_is_one_record(raw: Raw) -> None:
    group = raw(
        "POST", "/sellers/v3/shipments/filter", json={"filter": {"type": "postDispatch", "states": ["DELIVERED"]}}
    )
    first = next(s for s in group["shipments"])
    second = {**first, "shipmentId": first["shipmentId"][:-4] + "ffff", "updatedAt": "2030-01-01T00:00:00.000+05:30"}
    second["orderItems"] = [{**first["orderItems"][0], "orderItemId": "999", "status": "SHIPPED"}]
    record = mapping.map_order([first, second], {})
    assert len(record.shipments) == 2 and len(record.items) == len(first["orderItems"]) + 1
    assert record.raw_status == "SHIPPED"  # the least advanced live item
    assert record.source_updated_at == mapping.parse_ts("2030-01-01T00:00:00.000+05:30")


def test_an_unreadable_shipment_is_quarantined(raw: Raw) -> None:
    page = raw(
        "POST", "/sellers/v3/shipments/filter", json={"filter": {"type": "postDispatch", "states": ["DELIVERED"]}}
    )
    broken = {**page["shipments"][0]}
    broken["orderItems"] = [{**broken["orderItems"][0], "priceComponents": {"totalPrice": None, "sellingPrice": 1}}]
    result = map_or_quarantine(lambda g: mapping.map_order(g, {}), [broken], "OD1")
    assert isinstance(result, Quarantine) and result.external_id == "OD1"


@pytest.mark.parametrize("source", ["customer_return", "courier_return"])
def test_returns_from_real_listing(env: Env, raw: Raw, source: str) -> None:
    truth = env.sandbox.truth(env.key)["returns"]
    body = raw("GET", "/sellers/v2/returns", params={"source": source})
    assert body["returnItems"], "the sandbox has returns of this source"
    for item in body["returnItems"]:
        record = map_return(item)
        t = truth[record.external_id]
        assert record.kind is (ReturnKind.RTO if source == "courier_return" else ReturnKind.CUSTOMER_RETURN)
        assert record.raw_status == t["status"] and record.status is not ReturnStatus.UNKNOWN
        assert record.order_external_id == t["order_id"]
        assert record.items[0].order_item_external_id == t["order_item_id"]
        assert record.return_awb == item["trackingId"] and record.reason and item["reason"] in record.reason
        assert record.source_updated_at == mapping.parse_ts(t["updated_at"])


def _report(env: Env, raw: Raw) -> list[dict[str, str]]:
    now = env.world.clock.now()
    report = raw(
        "POST",
        "/reports/settled_transaction_ledger",
        json={
            "parameters": {
                "from_date": (now - timedelta(days=60)).date().isoformat(),
                "to_date": now.date().isoformat(),
            }
        },
    )["report_id"]
    raw("GET", f"/reports/{report}/detail")
    detail = raw("GET", f"/reports/{report}/detail")
    assert detail["status"] == "COMPLETED"
    return list(csv.DictReader(io.StringIO(raw("GET", detail["location"]))))


def test_payouts_from_the_real_settlement_report(env: Env, raw: Raw) -> None:
    truth = env.sandbox.truth(env.key)["payouts"]
    rows = _report(env, raw)
    by_neft: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_neft.setdefault(row["neft_id"], []).append(row)
    assert set(by_neft) == set(truth) and truth
    types: set[PayoutLineType] = set()
    for neft_id, group in by_neft.items():
        payout = map_payout(neft_id, group)
        assert payout.status is PayoutStatus.PAID and payout.external_id == neft_id
        assert payout.net_amount == Decimal(truth[neft_id]["net"])
        assert sum(line.amount for line in payout.lines) == payout.net_amount
        assert len({line.external_id for line in payout.lines}) == len(payout.lines)
        assert all(line.order_external_id for line in payout.lines)
        types |= {line.line_type for line in payout.lines}
        sale = [ln for ln in payout.lines if ln.line_type is PayoutLineType.SALE]
        assert all(ln.amount > 0 for ln in sale)
        taxes = [ln for ln in payout.lines if ln.line_type in (PayoutLineType.TCS, PayoutLineType.TDS)]
        assert all(ln.amount < 0 for ln in taxes if str(ln.description).endswith("on SALE"))
        assert all(ln.amount > 0 for ln in taxes if str(ln.description).endswith("on REFUND"))  # given back
    assert {
        PayoutLineType.SALE,
        PayoutLineType.COMMISSION,
        PayoutLineType.FIXED_FEE,
        PayoutLineType.COLLECTION_FEE,
        PayoutLineType.SHIPPING_FEE,
        PayoutLineType.GST_ON_FEES,
        PayoutLineType.TCS,
        PayoutLineType.TDS,
    } <= types
    assert PayoutLineType.OTHER not in types


def test_a_settlement_row_that_does_not_add_up_is_refused(env: Env, raw: Raw) -> None:
    rows = _report(env, raw)
    first = rows[0]
    broken = {**first, "net_amount": str(Decimal(first["net_amount"]) + 1)}
    with pytest.raises(ArithmeticError):
        map_payout(first["neft_id"], [broken])


DELETE = object()  # a field left out of the payload


def _real_listings(env: Env, raw: Raw, count: int = 10) -> dict[str, Any]:
    """``available`` of a real ``GET /sellers/listings/v3/{skuIds}`` for the first catalog SKUs."""
    skus = sorted(env.sandbox.world.account(env.key).listings)[:count]
    body = raw("GET", "/sellers/listings/v3/" + ",".join(skus))
    assert set(body["available"]) == set(skus) and body["unavailable"] == []
    return dict(body["available"])


def test_listings_from_the_real_listing_read(env: Env, raw: Raw) -> None:
    catalog = env.sandbox.world.account(env.key).listings
    location = env.creds["location_id"]
    seen_at = env.world.clock.now()
    for sku, payload in _real_listings(env, raw).items():
        record = mapping.map_listing(sku, payload, location, seen_at)
        item = catalog[sku]
        assert record.external_id == item.listing_id and record.external_id.startswith("LST")
        assert (record.seller_sku, record.marketplace_sku) == (sku, item.fsn)
        assert record.quantity == item.inventory[location]
        assert record.price == Decimal(int(item.selling_price))
        assert (record.raw_status, record.active) == ("ACTIVE", True)
        assert record.title is None  # only the OAS example has product_title; the schema does not
        assert record.source_updated_at == seen_at  # modelled: no update time in the payload


def test_listing_status_location_and_title(env: Env, raw: Raw) -> None:
    location = env.creds["location_id"]
    now = env.world.clock.now()
    sku, payload = next(iter(_real_listings(env, raw, 1).items()))
    [own] = payload["locations"]
    other = {**own, "id": "LOCelsewhere", "inventory": 999}

    def mapped(**changes: Any) -> Any:
        return mapping.map_listing(sku, {**payload, **changes}, location, now)

    assert mapped(listing_status="INACTIVE").raw_status == "INACTIVE" and not mapped(listing_status="INACTIVE").active
    archived = mapped(archived_status="ARCHIVED")
    assert archived.raw_status == "ARCHIVED" and not archived.active
    assert not mapped(locations=[{**own, "status": "DISABLED"}]).active
    assert mapped(locations=[other, own]).quantity == own["inventory"]  # the account's location only
    assert mapped(locations=[other]).quantity is None  # not stocked at the account's location: unknown
    assert mapped(product_title="Kurta (Teal, M)").title == "Kurta (Teal, M)"  # the OAS example's field
    assert mapped(price={}).price is None


@pytest.mark.parametrize(
    "change",
    [
        {"listing_id": DELETE},
        {"listing_id": None},
        {"listing_id": ""},
        {"locations": [{"status": "ENABLED", "inventory": 3}]},  # a location without id
        {"locations": "everywhere"},
        {"inventory": "lots"},
        {"inventory": 2.5},
        {"price": {"selling_price": "free"}},
    ],
)
def test_an_unreadable_listing_is_quarantined(env: Env, raw: Raw, change: dict[str, Any]) -> None:
    sku, payload = next(iter(_real_listings(env, raw, 1).items()))
    broken = dict(payload)
    if "inventory" in change:
        broken["locations"] = [{**payload["locations"][0], "inventory": change["inventory"]}]
    else:
        broken.update(change)
    broken = {k: v for k, v in broken.items() if v is not DELETE}
    location = env.creds["location_id"]
    now = env.world.clock.now()
    result = map_or_quarantine(lambda p: mapping.map_listing(sku, p, location, now), broken, sku)
    assert isinstance(result, Quarantine) and result.external_id == sku
