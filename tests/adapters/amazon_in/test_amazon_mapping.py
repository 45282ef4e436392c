"""Mapping and status tables, fed with REAL sandbox responses (SP-API JSON and the returns flat file)."""

from __future__ import annotations

import copy
import csv
import io
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from amazon_support import Env, Raw

from robnu.adapters.amazon_in import mapping, mapping_finance, mapping_returns
from robnu.adapters.base import map_or_quarantine
from robnu.domain.records import OrderRecord, Quarantine
from robnu.domain.statuses import (
    OrderStatus,
    PayoutLineType,
    PayoutStatus,
    ReturnKind,
    ReturnStatus,
    ShipmentStatus,
)
from robnu.sandbox.amazon_in.constants import DETAILED_STATUSES, FULFILLMENT_STATUSES, MARKETPLACE_ID, RETURNS_REPORT

ALL_DATA = "FULFILLMENT,RECIPIENT,PROCEEDS,PACKAGES,PAYMENT,CANCELLATION"


def _orders(env: Env, raw: Any, **extra: Any) -> list[dict[str, Any]]:
    now = env.world.clock.now()
    params = {
        "lastUpdatedAfter": mapping.api_time(now - timedelta(days=60)),
        "lastUpdatedBefore": mapping.api_time(now - timedelta(minutes=3)),
        "includedData": ALL_DATA,
        **extra,
    }
    found: list[dict[str, Any]] = []
    while True:
        body = raw("/orders/2026-01-01/orders", **params)
        found.extend(body["orders"])
        token = (body.get("pagination") or {}).get("nextToken")
        if not token:
            return found
        params["paginationToken"] = token


def test_every_sandbox_order_maps_to_its_truth(env: Env, raw: Any) -> None:
    orders = _orders(env, raw)
    truth = env.sandbox.truth(env.key)["orders"]
    assert len(orders) > 200
    for o in orders:
        record = mapping.map_order(o)
        t = truth[record.external_id]
        assert record.raw_status == t["status"]
        assert record.order_total == Decimal(t["total"])
        assert len(record.items) == t["items"]
        assert mapping.api_time(record.source_updated_at) == t["updated_at"]
        assert record.ordered_at <= record.source_updated_at
        assert record.order_total == sum(i.line_total for i in record.items)
        assert record.ship_pincode and record.ship_city and record.ship_state_code
        assert record.dispatch_by is not None


def test_order_fields_follow_the_sp_api_fields(env: Env, raw: Any) -> None:
    orders = _orders(env, raw)
    seen_cod = seen_prepaid = seen_packages = 0
    for o in orders:
        record = mapping.map_order(o)
        methods = {p["paymentMethod"] for p in o["payment"]["paymentExecutions"]}
        assert record.is_cod == ("CashOnDelivery" in methods)
        seen_cod += record.is_cod
        seen_prepaid += not record.is_cod
        for item, raw_item in zip(record.items, o["orderItems"], strict=True):
            assert item.external_id == raw_item["orderItemId"]
            assert item.sku == raw_item["product"]["sellerSku"]
            assert item.marketplace_sku == raw_item["product"]["asin"]
            assert item.unit_price == Decimal(raw_item["product"]["price"]["unitPrice"]["amount"])
            assert item.line_total == item.unit_price * item.quantity
        for shipment, package in zip(record.shipments, o.get("packages", []), strict=True):
            seen_packages += 1
            assert shipment.external_id == package["packageReferenceId"]
            assert shipment.awb == package["trackingNumber"] and shipment.courier == package["carrier"]
            assert shipment.raw_status == package["packageStatus"]["detailedStatus"]
            assert shipment.dispatch_by == mapping.parse_time(o["fulfillment"]["shipByWindow"]["latestDateTime"])
    assert seen_cod and seen_prepaid and seen_packages


def test_normalised_statuses_of_real_orders(env: Env, raw: Any) -> None:
    pairs = set()
    for o in _orders(env, raw):
        record = mapping.map_order(o)
        detailed = tuple(sorted({s.raw_status for s in record.shipments}))
        pairs.add((record.raw_status, detailed, record.status))
        assert record.status is not OrderStatus.UNKNOWN
        if record.raw_status == "CANCELLED":
            assert record.status is OrderStatus.CANCELLED
        if detailed == ("DELIVERED",):
            assert record.status is OrderStatus.DELIVERED
        if detailed == ("RETURNED_TO_SELLER",):
            assert record.status is OrderStatus.RETURNED
        if detailed == ("PENDING_PICK_UP",):
            assert record.status is OrderStatus.READY_TO_SHIP
    assert {p[2] for p in pairs} >= {OrderStatus.DELIVERED, OrderStatus.SHIPPED, OrderStatus.CANCELLED}


def test_status_tables_cover_every_documented_value() -> None:
    assert set(mapping.ORDER_STATUS) == set(FULFILLMENT_STATUSES)
    assert set(mapping.DETAILED_STATUS) == set(DETAILED_STATUSES)
    assert mapping.order_status("SOMETHING_NEW", []) is OrderStatus.UNKNOWN
    assert mapping.shipment_status({"packageStatus": {"detailedStatus": "TELEPORTED"}}) == (
        ShipmentStatus.UNKNOWN,
        "TELEPORTED",
    )
    assert mapping.shipment_status({"packageStatus": {"status": "IN_TRANSIT"}}) == (
        ShipmentStatus.SHIPPED,
        "IN_TRANSIT",
    )
    assert mapping_returns.RETURN_STATUS["APPROVED"] is ReturnStatus.APPROVED
    assert mapping_finance.line_type("SomethingNew", Decimal("-1")) is PayoutLineType.OTHER


def test_unknown_status_is_unknown_and_a_broken_order_is_quarantined(env: Env, raw: Any) -> None:
    order = _orders(env, raw)[0]
    odd = copy.deepcopy(order)
    odd["fulfillment"]["fulfillmentStatus"] = "BEAMED_UP"
    record = mapping.map_order(odd)
    assert record.status is OrderStatus.UNKNOWN and record.raw_status == "BEAMED_UP"
    broken = copy.deepcopy(order)
    del broken["fulfillment"]
    result = map_or_quarantine(mapping.map_order, broken, broken["orderId"])
    assert isinstance(result, Quarantine) and result.external_id == order["orderId"]
    wrong_money = copy.deepcopy(order)
    wrong_money["proceeds"]["grandTotal"]["currencyCode"] = "USD"
    assert isinstance(map_or_quarantine(mapping.map_order, wrong_money), Quarantine)
    assert isinstance(map_or_quarantine(mapping.map_order, order), OrderRecord)


def test_rto_orders_map_to_rto_returns(env: Env, raw: Any) -> None:
    truth = env.sandbox.truth(env.key)["returns"]
    rtos = {k: v for k, v in truth.items() if v["kind"] == "rto"}
    assert rtos
    seen = 0
    for o in _orders(env, raw, fulfillmentStatuses="SHIPPED", includedData="PACKAGES"):
        if mapping_returns.rto_package(o) is None:
            assert o["orderId"] not in rtos
            continue
        seen += 1
        record = mapping_returns.map_rto(o)
        assert record.external_id == record.order_external_id == o["orderId"]
        assert record.kind is ReturnKind.RTO
        assert record.raw_status == rtos[record.external_id]["status"]
        assert record.status in (ReturnStatus.IN_TRANSIT, ReturnStatus.DELIVERED_TO_SELLER)
        assert record.return_awb and record.items
        assert sum(i.quantity for i in record.items) == sum(i["quantityOrdered"] for i in o["orderItems"])
    assert seen == len(rtos)


def _report_rows(env: Env, raw_client: Raw) -> list[dict[str, Any]]:
    now = env.world.clock.now()
    created = raw_client.post(
        "/reports/2021-06-30/reports",
        {
            "reportType": RETURNS_REPORT,
            "marketplaceIds": ["A21TJRUUN4KGV"],
            "dataStartTime": mapping.api_time(now - timedelta(days=59)),
            "dataEndTime": mapping.api_time(now),
        },
    )
    for _ in range(5):
        report = raw_client.get(f"/reports/2021-06-30/reports/{created['reportId']}")
        if report["processingStatus"] == "DONE":
            break
    document = raw_client.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
    text = raw_client.download(document["url"])
    return list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))


def test_customer_returns_from_the_real_flat_file(env: Env, raw_client: Raw) -> None:
    rows = _report_rows(env, raw_client)
    truth = env.sandbox.truth(env.key)["returns"]
    customer = {k: v for k, v in truth.items() if v["kind"] == "customer_return"}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["Amazon RMA ID"]].append(row)
    assert set(grouped) == set(customer)
    statuses = set()
    for rma, group in grouped.items():
        record = mapping_returns.map_customer_return(group)
        t = customer[rma]
        assert record.kind is ReturnKind.CUSTOMER_RETURN
        assert record.order_external_id == t["order_id"]
        assert record.raw_status == t["status"]
        assert record.reason and record.return_awb and record.requested_at
        assert record.items[0].sku == group[0]["Merchant SKU"]
        statuses.add(record.status)
        if record.status is ReturnStatus.CLOSED:
            assert record.refund_amount is not None and record.source_updated_at > record.requested_at
        else:
            assert record.refund_amount is None and record.source_updated_at == record.requested_at
    assert statuses == {ReturnStatus.APPROVED, ReturnStatus.CLOSED}


def test_flat_file_dates_are_ist_days() -> None:
    start = mapping.flat_file_date("10-Jul-2025")
    assert start is not None and mapping.api_time(start) == "2025-07-09T18:30:00Z"
    assert mapping.flat_file_date(" ") is None


def test_payout_lines_from_real_transactions_add_up(env: Env, raw: Any) -> None:
    truth = env.sandbox.truth(env.key)["payouts"]
    now = env.world.clock.now()
    groups = raw(
        "/finances/v0/financialEventGroups",
        FinancialEventGroupStartedAfter=mapping.api_time(now - timedelta(days=80)),
        MaxResultsPerPage=100,
    )["payload"]["FinancialEventGroupList"]
    assert groups and {g["FinancialEventGroupId"] for g in groups} == set(truth)
    kinds: set[PayoutLineType] = set()
    statuses = set()
    for group in groups:
        gid = group["FinancialEventGroupId"]
        lines = []
        params: dict[str, Any] = {"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID", "relatedIdentifierValue": gid}
        while True:
            payload = raw("/finances/2024-06-19/transactions", **params)["payload"]
            for txn in payload["transactions"]:
                txn_lines = mapping_finance.transaction_lines(txn)
                total = mapping.finance_money(txn["totalAmount"])
                assert sum(line.amount for line in txn_lines) == total
                assert all(
                    line.order_external_id == txn["relatedIdentifiers"][0]["relatedIdentifierValue"]
                    for line in txn_lines
                )
                assert not any(line.line_type is PayoutLineType.ADJUSTMENT for line in txn_lines)  # fully itemised
                lines.extend(txn_lines)
            if not payload.get("nextToken"):
                break
            params["nextToken"] = payload["nextToken"]
        record = mapping_finance.map_payout(group, lines)
        assert record.net_amount == Decimal(truth[gid]["net"])
        assert record.net_amount == mapping.finance_money(group["OriginalTotal"])
        assert len({line.external_id for line in lines}) == len(lines)
        statuses.add(record.status)
        if record.status is PayoutStatus.PAID:
            assert record.paid_at is not None and record.period_end is not None
        if record.status is PayoutStatus.OPEN:
            assert record.period_end is None and record.paid_at is None
        kinds |= {line.line_type for line in lines}
        # credits positive, deductions negative
        for line in lines:
            if line.line_type in (PayoutLineType.FIXED_FEE, PayoutLineType.GST_ON_FEES) and "Order Payment" in (
                line.description or ""
            ):
                assert line.amount < 0
            if line.line_type is PayoutLineType.SALE:
                assert line.amount > 0
    assert PayoutStatus.PAID in statuses and PayoutStatus.OPEN in statuses
    assert kinds >= {
        PayoutLineType.SALE,
        PayoutLineType.COMMISSION,
        PayoutLineType.FIXED_FEE,
        PayoutLineType.SHIPPING_FEE,
        PayoutLineType.GST_ON_FEES,
        PayoutLineType.TCS,
        PayoutLineType.TDS,
    }


def test_transaction_without_breakdowns_still_adds_up() -> None:
    txn = {
        "transactionId": "T1",
        "relatedIdentifiers": [{"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": "403-1-1"}],
        "postedDate": "2026-01-12T10:00:00Z",
        "description": "Order Payment",
        "totalAmount": {"currencyCode": "INR", "currencyAmount": 422.74},
        "items": [
            {
                "totalAmount": {"currencyCode": "INR", "currencyAmount": 422.74},
                "breakdowns": [{"breakdownType": "ProductCharges", "breakdownAmount": {"currencyAmount": 499.0}}],
            }
        ],
    }
    lines = mapping_finance.transaction_lines(txn)
    assert sum(line.amount for line in lines) == Decimal("422.74")
    assert [line.line_type for line in lines] == [PayoutLineType.SALE, PayoutLineType.ADJUSTMENT]
    bare = {**txn, "items": []}
    assert [(line.line_type, line.amount) for line in mapping_finance.transaction_lines(bare)] == [
        (PayoutLineType.OTHER, Decimal("422.74"))
    ]


# ------------------------------------------------------------------ listings (getListingsItem)

LISTING_DATA = "summaries,offers,fulfillmentAvailability"


def _item(env: Env, raw: Any, sku: str) -> dict[str, Any]:
    path = f"/listings/2021-08-01/items/{env.key}/{sku}"
    body: dict[str, Any] = raw(path, marketplaceIds=MARKETPLACE_ID, includedData=LISTING_DATA)
    return body


def test_listings_from_real_items(env: Env, raw: Any) -> None:
    account = env.sandbox.world.account(env.key)
    seen_at = env.world.clock.now()
    for sku, item in sorted(account.sku_index.items())[:8]:
        record = mapping.map_listing(_item(env, raw, sku), MARKETPLACE_ID, seen_at)
        assert (record.external_id, record.seller_sku, record.marketplace_sku) == (sku, sku, item.asin)
        assert record.title == item.title
        assert record.quantity == env.sandbox.world.quantity(account, sku)
        assert (record.raw_status, record.active) == ("BUYABLE,DISCOVERABLE", True)
        assert record.source_updated_at == seen_at.replace(microsecond=0)  # the summary's lastUpdatedDate
        assert record.price is None  # the sandbox serves no offers


def test_listing_offers_channels_and_status(env: Env, raw: Any) -> None:
    sku = sorted(env.sandbox.world.account(env.key).sku_index)[0]
    real = _item(env, raw, sku)
    now = env.world.clock.now()

    def mapped(**changes: Any) -> Any:
        return mapping.map_listing({**copy.deepcopy(real), **changes}, MARKETPLACE_ID, now)

    b2c = {"marketplaceId": MARKETPLACE_ID, "offerType": "B2C", "price": {"currencyCode": "INR", "amount": "499.00"}}
    b2b = {**b2c, "offerType": "B2B", "price": {"currencyCode": "INR", "amount": "450.00"}}
    assert mapped(offers=[b2b, b2c]).price == Decimal("499.00")
    afn = [{"fulfillmentChannelCode": "AMAZON_IN", "quantity": 7}]
    assert mapped(fulfillmentAvailability=afn).quantity is None  # Amazon's own stock is not the seller's
    summary = real["summaries"][0]
    hidden = mapped(summaries=[{**summary, "status": ["DISCOVERABLE"]}])
    assert hidden.raw_status == "DISCOVERABLE" and not hidden.active
    assert mapped(summaries=[{**summary, "status": []}]).raw_status == "NONE"
    elsewhere = {**summary, "marketplaceId": "A1F83G8C2ARO7P"}
    assert mapped(summaries=[elsewhere, summary]).marketplace_sku == summary["asin"]


def test_an_unreadable_listing_is_quarantined(env: Env, raw: Any) -> None:
    sku = sorted(env.sandbox.world.account(env.key).sku_index)[0]
    real = _item(env, raw, sku)
    summary = real["summaries"][0]
    now = env.world.clock.now()
    for broken in (
        {k: v for k, v in real.items() if k != "sku"},
        {**real, "summaries": []},  # no summary for the account's marketplace
        {**real, "summaries": [{**summary, "marketplaceId": "A1F83G8C2ARO7P"}]},
        {**real, "summaries": [{**summary, "status": "BUYABLE"}]},
        {**real, "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": "9"}]},
        {**real, "offers": [{"marketplaceId": MARKETPLACE_ID, "offerType": "B2C", "price": {"currencyCode": "INR"}}]},
        {**real, "offers": [{"marketplaceId": MARKETPLACE_ID, "offerType": "B2C", "price": {"currencyCode": "USD"}}]},
    ):
        result = map_or_quarantine(
            partial(mapping.map_listing, marketplace_id=MARKETPLACE_ID, seen_at=now), broken, sku
        )
        assert isinstance(result, Quarantine) and result.external_id == sku, broken
    assert not isinstance(
        map_or_quarantine(partial(mapping.map_listing, marketplace_id=MARKETPLACE_ID, seen_at=now), real), Quarantine
    )
