"""Orders 2026-01-01 (searchOrders, getOrder) and Orders v0 (getOrders, getOrder, getOrderItems,
confirmShipment)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.amazon_in.constants import (
    FULFILLED_BY,
    FULFILLMENT_STATUSES,
    INCLUDED_DATA,
    MIN_LAG_SECONDS,
    V0_CHANNELS,
    V0_ORDER_STATUSES,
    V0_PAYMENT_METHODS,
)
from robnu.sandbox.amazon_in.errors import invalid_input, not_found
from robnu.sandbox.amazon_in.order_query import (
    Query,
    continuation_faults,
    make_token,
    page,
    read_token,
    request_hash,
)
from robnu.sandbox.amazon_in.orders import V0_EASY_SHIP, V0_STATUS
from robnu.sandbox.amazon_in.orders_json import order_2026, order_items_v0, order_v0
from robnu.sandbox.amazon_in.plumbing import Api, csv_param, int_param, json_body, raw_body, time_param
from robnu.sandbox.amazon_in.timefmt import iso_from_s, parse_instant
from robnu.sandbox.amazon_in.world import ShipmentRejected

_V0_TO_2026 = {v: k for k, v in V0_STATUS.items()}
_CHANNEL_TO_BY = {"AFN": "AMAZON", "MFN": "MERCHANT"}


def _window(op: str, now_s: int, after: int, before: int | None) -> int:
    latest = now_s - MIN_LAG_SECONDS
    if before is None:
        before = latest
    elif before > latest:
        raise invalid_input(op, "Before date must be at least 2 minutes before the current time")
    if before < after:
        raise invalid_input(op, "Before date must be later than the after date")
    return before


def _enum(op: str, values: list[str], allowed: frozenset[str], name: str) -> frozenset[str]:
    for value in values:
        if value not in allowed:
            raise invalid_input(op, f"Invalid {name}: {value}")
    return frozenset(values)


def register(app: FastAPI, api: Api) -> None:
    world, kit = api.world, api.kit

    @app.get("/orders/2026-01-01/orders")
    def search_orders(request: Request) -> Response:
        op = "searchOrders"
        account = api.begin(request, op)
        q = request.query_params
        now_s = world.now_s()
        limit = int_param(request, op, "maxResultsPerPage", 100, 1, 100)
        included = _enum(op, csv_param(request, "includedData"), INCLUDED_DATA, "includedData")
        if len(csv_param(request, "marketplaceIds")) > 50:
            raise invalid_input(op, "A maximum of 50 marketplaceIds is allowed")
        created_after = time_param(request, op, "createdAfter")
        updated_after = time_param(request, op, "lastUpdatedAfter")
        created_before = time_param(request, op, "createdBefore")
        updated_before = time_param(request, op, "lastUpdatedBefore")
        statuses = _enum(op, csv_param(request, "fulfillmentStatuses"), FULFILLMENT_STATUSES, "fulfillmentStatuses")
        by = _enum(op, csv_param(request, "fulfilledBy"), FULFILLED_BY, "fulfilledBy")
        token = q.get("paginationToken")
        with world.lock:
            state: dict[str, Any] | None = read_token(kit, op, "so", account, token, now_s) if token else None
            if state is not None and created_after is None and updated_after is None:
                # modelled leniency: a bare token continues its own search.
                query, digest = Query.from_json(state["q"]), str(state["h"])
            else:
                if (created_after is None) == (updated_after is None):
                    raise invalid_input(op, "Exactly one of createdAfter and lastUpdatedAfter is required")
                if created_after is not None and updated_before is not None:
                    raise invalid_input(op, "createdAfter cannot be combined with lastUpdatedBefore")
                if updated_after is not None and created_before is not None:
                    raise invalid_input(op, "lastUpdatedAfter cannot be combined with createdBefore")
                start = created_after or updated_after
                assert start is not None
                mode = "created" if created_after is not None else "updated"
                after = int(start.timestamp())
                explicit = created_before or updated_before
                explicit_s = None if explicit is None else int(explicit.timestamp())
                digest = request_hash({"m": mode, "a": after, "b": explicit_s, "s": sorted(statuses), "f": sorted(by)})
                if state is not None:
                    # only maxResultsPerPage and includedData may change between pages.
                    if digest != state["h"]:
                        raise invalid_input(op, "The paginationToken does not match the request's filters")
                    query = Query.from_json(state["q"])
                else:
                    query = Query(mode, after, _window(op, now_s, after, explicit_s), statuses, by)
            resume = (int(state["r"][0]), str(state["r"][1])) if state else None
            again = continuation_faults(kit, op, account, state, now_s) if state else None
            orders, next_key = page(account, query, resume, limit, now_s)
            if again is not None:
                orders.insert(0, again)
            body: dict[str, Any] = {
                "orders": [order_2026(o, now_s, included, (account.seller_name, account.gstin)) for o in orders]
            }
            if next_key is not None:
                body["pagination"] = {"nextToken": make_token("so", account, digest, query, next_key, now_s)}
        if query.mode == "created":
            body["createdBefore"] = iso_from_s(query.before_s)
        else:
            body["lastUpdatedBefore"] = iso_from_s(query.before_s)
        return api.ok(op, body)

    @app.get("/orders/2026-01-01/orders/{order_id}")
    def get_order(request: Request, order_id: str) -> Response:
        op = "getOrder"
        account = api.begin(request, op)
        included = _enum(op, csv_param(request, "includedData"), INCLUDED_DATA, "includedData")
        with world.lock:
            now_s = world.now_s()
            order = account.orders.get(order_id)
            if order is None or not order.visible(now_s):
                if order_id.startswith("TEST_CASE"):
                    raise invalid_input(op)
                raise not_found(op, f"Order {order_id}")
            return api.ok(op, {"order": order_2026(order, now_s, included, (account.seller_name, account.gstin))})

    @app.get("/orders/v0/orders")
    def get_orders(request: Request) -> Response:
        op = "getOrders"
        account = api.begin(request, op)
        q = request.query_params
        now_s = world.now_s()
        marketplaces = csv_param(request, "MarketplaceIds")
        if not marketplaces:
            raise invalid_input(op, "MarketplaceIds is required")
        if len(marketplaces) > 50:
            raise invalid_input(op, "A maximum of 50 MarketplaceIds is allowed")
        limit = int_param(request, op, "MaxResultsPerPage", 100, 1, 100)
        next_token = q.get("NextToken")
        with world.lock:
            if next_token:  # v0: with NextToken the other filters are ignored
                state = read_token(kit, op, "v0", account, next_token, now_s)
                query = Query.from_json(state["q"])
                again = continuation_faults(kit, op, account, state, now_s)
                orders, next_key = page(account, query, (int(state["r"][0]), str(state["r"][1])), limit, now_s)
                if again is not None:
                    orders.insert(0, again)
                return api.ok(op, _orders_payload(account, query, orders, next_key, now_s))
            ids = csv_param(request, "AmazonOrderIds")
            if ids:
                if len(ids) > 50:
                    raise invalid_input(op, "A maximum of 50 AmazonOrderIds is allowed")
                found = [account.orders[i] for i in ids if i in account.orders and account.orders[i].visible(now_s)]
                return api.ok(op, {"payload": {"Orders": [order_v0(o, now_s) for o in found]}})
            seller_order_id = q.get("SellerOrderId")
            if seller_order_id:
                order = account.orders.get(seller_order_id)
                hit = [order] if order is not None and order.visible(now_s) else []
                return api.ok(op, {"payload": {"Orders": [order_v0(o, now_s) for o in hit]}})
            query = _v0_query(request, op, now_s)
            orders, next_key = page(account, query, None, limit, now_s)
            return api.ok(op, _orders_payload(account, query, orders, next_key, now_s))

    def _orders_payload(
        account: Any, query: Query, orders: list[Any], next_key: tuple[int, str] | None, now_s: int
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"Orders": [order_v0(o, now_s) for o in orders]}
        if next_key is not None:
            payload["NextToken"] = make_token("v0", account, "", query, next_key, now_s)
        payload["CreatedBefore" if query.mode == "created" else "LastUpdatedBefore"] = iso_from_s(query.before_s)
        return {"payload": payload}

    def _v0_query(request: Request, op: str, now_s: int) -> Query:
        created_after = time_param(request, op, "CreatedAfter")
        updated_after = time_param(request, op, "LastUpdatedAfter")
        created_before = time_param(request, op, "CreatedBefore")
        updated_before = time_param(request, op, "LastUpdatedBefore")
        if (created_after is None) == (updated_after is None):
            raise invalid_input(op, "Exactly one of CreatedAfter and LastUpdatedAfter is required")
        if created_after is not None and updated_before is not None:
            raise invalid_input(op, "CreatedAfter cannot be combined with LastUpdatedBefore")
        if updated_after is not None and created_before is not None:
            raise invalid_input(op, "LastUpdatedAfter cannot be combined with CreatedBefore")
        statuses = _enum(op, csv_param(request, "OrderStatuses"), V0_ORDER_STATUSES, "OrderStatuses")
        channels = _enum(op, csv_param(request, "FulfillmentChannels"), V0_CHANNELS, "FulfillmentChannels")
        payments = _enum(op, csv_param(request, "PaymentMethods"), V0_PAYMENT_METHODS, "PaymentMethods")
        easy = _enum(
            op,
            csv_param(request, "EasyShipShipmentStatuses"),
            frozenset(V0_EASY_SHIP.values())
            | {
                "PendingDropOff",
                "LabelCanceled",
                "DroppedOff",
                "AtOriginFC",
                "AtDestinationFC",
                "RejectedByBuyer",
                "Undeliverable",
                "Lost",
                "Damaged",
            },
            "EasyShipShipmentStatuses",
        )
        # v0 InvoiceUnconfirmed has no 2026 counterpart: it never matches.
        mapped = frozenset(_V0_TO_2026.get(s, "INVOICE_UNCONFIRMED") for s in statuses)
        start = created_after or updated_after
        assert start is not None
        after = int(start.timestamp())
        explicit = created_before or updated_before
        before = _window(op, now_s, after, None if explicit is None else int(explicit.timestamp()))
        return Query(
            "created" if created_after else "updated",
            after,
            before,
            mapped,
            frozenset(_CHANNEL_TO_BY[c] for c in channels),
            payments,
            easy,
        )

    @app.get("/orders/v0/orders/{order_id}")
    def get_order_v0(request: Request, order_id: str) -> Response:
        op = "getOrderV0"
        account = api.begin(request, op)
        with world.lock:
            now_s = world.now_s()
            order = account.orders.get(order_id)
            if order is None or not order.visible(now_s):
                raise not_found(op, f"Order {order_id}")
            return api.ok(op, {"payload": order_v0(order, now_s)})

    @app.get("/orders/v0/orders/{order_id}/orderItems")
    def get_order_items(request: Request, order_id: str) -> Response:
        op = "getOrderItems"
        account = api.begin(request, op)
        with world.lock:
            now_s = world.now_s()
            order = account.orders.get(order_id)
            if order is None or not order.visible(now_s):
                raise not_found(op, f"Order {order_id}")
            if request.query_params.get("NextToken"):
                # modelled: orders hold at most 3 lines, so item lists never page; any token is stale.
                raise invalid_input(op, "Invalid NextToken")
            return api.ok(op, {"payload": order_items_v0(order, now_s)})

    @app.post("/orders/v0/orders/{order_id}/shipmentConfirmation")
    def confirm_shipment(request: Request, order_id: str, raw: bytes = Depends(raw_body)) -> Response:
        op = "confirmShipment"
        account = api.begin(request, op)
        body = json_body(op, raw)
        detail = body.get("packageDetail")
        if not body.get("marketplaceId") or not isinstance(detail, dict):
            raise invalid_input(op, "marketplaceId and packageDetail are required")
        for name in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems"):
            if not detail.get(name):
                raise invalid_input(op, f"packageDetail.{name} is required")
        items = detail["orderItems"]
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and i.get("orderItemId") and isinstance(i.get("quantity"), int) for i in items
        ):
            raise invalid_input(op, "packageDetail.orderItems must list orderItemId and quantity")
        if parse_instant(str(detail["shipDate"])) is None:
            raise invalid_input(op, "packageDetail.shipDate must be an ISO 8601 date-time")
        with world.lock:
            order = account.orders.get(order_id)
            if order is None or not order.visible(world.now_s()):
                raise not_found(op, f"Order {order_id}")
            try:
                world.confirm_shipment(account, order, body)
            except ShipmentRejected as exc:
                raise invalid_input(op, str(exc)) from None
        return api.empty(op)
