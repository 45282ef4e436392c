"""Shipment reads: the filter search and its ``next_token`` pages, lookups by ids, and shipment details."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request

from robnu.sandbox.faults import FaultKind
from robnu.sandbox.flipkart import cursor, serialize
from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.ids import parse_iso
from robnu.sandbox.flipkart.model import GROUPS, SEARCHABLE, Shipment
from robnu.sandbox.flipkart.plumbing import FlipkartApi, parse_json, raw_body, split_ids
from robnu.sandbox.flipkart.search import search_shipments, sort_key

S = "/sellers/v3/shipments"
PAGE_SIZE_MAX = 20  # the documented cap; a larger pageSize is a 400 (modelled)
SORT_FIELDS = ("dispatchByDate", "orderDate", "modifiedDate", "dispatchAfterDate")
CANCELLATION_TYPES = ("sellerCancellation", "buyerCancellation", "marketplaceCancellation")
DATE_FILTERS = ("orderDate", "dispatchAfterDate", "dispatchByDate", "modifiedDate", "cancellationDate")
BODY = Depends(raw_body)


def _query(payload: Any) -> dict[str, Any]:
    """The validated search of a filter request: filter, page size and sort."""
    if not isinstance(payload, dict) or not isinstance(payload.get("filter"), dict):
        raise fail(400, "filter is required")
    flt = payload["filter"]
    group = flt.get("type")
    if group not in GROUPS:
        raise fail(400, "filter.type must be one of preDispatch, postDispatch, cancelled")
    states = flt.get("states")
    if group != "cancelled" and not states:
        raise fail(400, "filter.states is required")
    if states and (not isinstance(states, list) or not set(states) <= SEARCHABLE[group]):
        raise fail(400, f"filter.states must be a subset of {sorted(SEARCHABLE[group])} for {group}")
    if group == "cancelled" and flt.get("cancellationType") not in CANCELLATION_TYPES:
        raise fail(400, "filter.cancellationType is required for cancelled shipments")
    for name in DATE_FILTERS:
        rng = flt.get(name)
        if rng is not None:
            try:
                for edge in ("from", "to"):
                    if isinstance(rng, dict) and rng.get(edge):
                        parse_iso(str(rng[edge]))
            except ValueError:
                raise fail(400, f"filter.{name} must hold ISO 8601 dates") from None
    page_size = (payload.get("pagination") or {}).get("pageSize", PAGE_SIZE_MAX)
    if not isinstance(page_size, int) or not 1 <= page_size <= PAGE_SIZE_MAX:
        raise fail(400, f"pagination.pageSize must be between 1 and {PAGE_SIZE_MAX}")
    sort = payload.get("sort") or {}
    field = sort.get("field", "orderDate")  # modelled default
    order = sort.get("order", "asc")
    if field not in SORT_FIELDS or order not in ("asc", "desc"):
        raise fail(400, "sort.field or sort.order is invalid")
    return {"filter": flt, "pageSize": page_size, "field": field, "order": order}


def _page(api: FlipkartApi, key: str, query: dict[str, Any], after: tuple[float, str] | None) -> dict[str, Any]:
    world = api.world
    flt = query["filter"]
    desc = query["order"] == "desc"
    page, more = search_shipments(world, key, flt, query["field"], desc, query["pageSize"], after)
    served = [serialize.shipment(world, sh) for sh in page]
    if after is not None and api.kit.faults.take_one("searchShipments", FaultKind.DUPLICATE_ACROSS_PAGES, key):
        prev = world.shipments.get(after[1])
        if prev is not None:
            served.insert(0, serialize.shipment(world, prev))
    if page and api.kit.faults.take_one("searchShipments", FaultKind.CHANGE_BETWEEN_PAGES, key):
        # the first record of this page changes after it was served: its updatedAt moves to now
        world.touch(page[0])
    body: dict[str, Any] = {"hasMore": more, "shipments": served}
    if page:
        last = sort_key(page[-1], query["field"])
        token = cursor.encode(
            {
                "filterType": flt["type"],
                "sellerId": key,
                "token": list(last),
                "view": "order_api.v3.shipment",
                "template": f"oapi_{flt['type']}",
                "q": query,
            }
        )
        body["nextPageUrl"] = f"/v3/shipments/filter?next_token={token}"
    return body


def register(app: FastAPI, api: FlipkartApi) -> None:
    world = api.world

    @api.route(app, "GET", f"{S}/filter", "searchPreDispatchShipmentGet")
    def search_next(request: Request) -> dict[str, Any]:
        key = api.enter(request, "searchShipments")
        state = cursor.decode(request.query_params.get("next_token", ""))
        if state is None or state.get("sellerId") != key or "q" not in state:
            raise fail(400, "Invalid next_token", "BAD_REQUEST")
        if api.kit.faults.take_one("searchShipments", FaultKind.PAGE_TOKEN_EXPIRED, key):
            raise fail(400, "next_token has expired; restart the search", "BAD_REQUEST")
        after = (float(state["token"][0]), str(state["token"][1]))
        return _page(api, key, state["q"], after)

    @api.route(app, "POST", f"{S}/filter", "searchPreDispatchShipmentPost")
    def search(request: Request, body: bytes = BODY) -> dict[str, Any]:
        key = api.enter(request, "searchShipments")
        return _page(api, key, _query(parse_json(body)), None)

    @api.route(app, "GET", S, "getShipmentDetailsByInternalId")
    def by_ids(request: Request) -> dict[str, Any]:
        key = api.enter(request, "getShipmentsByIds")
        given = {k: request.query_params.get(k) for k in ("shipmentIds", "orderItemIds", "orderIds")}
        kinds = [k for k, v in given.items() if v]
        if len(kinds) != 1:
            raise fail(400, "Give exactly one of shipmentIds, orderItemIds or orderIds")
        values = split_ids(str(given[kinds[0]]), 100, kinds[0])
        found: dict[str, Shipment] = {}
        for value in values:
            sids: list[str] = []
            if kinds[0] == "shipmentIds":
                sids = [value]
            elif kinds[0] == "orderIds":
                sids = world.orders.get(value, [])
            elif value in world.order_items:
                sids = [world.order_items[value][0]]
            for sid in sids:
                sh = api.own(key, sid)
                if sh is not None:
                    found[sid] = sh
        return {"shipments": [serialize.shipment(world, sh) for sh in found.values()]}

    # after GET .../filter: the path template would match "filter" as a shipment id
    @api.route(app, "GET", f"{S}/{{shipmentIds}}", "getShipmentDetails")
    def details(request: Request, shipmentIds: str) -> dict[str, Any]:
        key = api.enter(request, "getShipmentDetails")
        ids = split_ids(shipmentIds, 100)
        shipments = (api.own(key, s) for s in ids)
        return {"shipments": [serialize.shipment_details(world, sh) for sh in shipments if sh is not None]}
