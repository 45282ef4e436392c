"""Returns (Returns API v2): the search by source and dates or by ids, and its ``nextUrl`` pages.

modelled: the ``nextUrl`` a page gives, ``/returns/search/<token>``, resolves under ``/sellers/v2``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from robnu.sandbox.faults import FaultKind
from robnu.sandbox.flipkart import cursor, serialize
from robnu.sandbox.flipkart.errors import fail
from robnu.sandbox.flipkart.ids import parse_iso
from robnu.sandbox.flipkart.plumbing import FlipkartApi, split_ids
from robnu.sandbox.flipkart.search import search_returns

RETURNS_PAGE = 25
DATE_PARAMS = ("createdAfter", "createdBefore", "modifiedAfter", "modifiedBefore")


def returns_page(
    api: FlipkartApi, key: str, source: str, params: dict[str, str], after: tuple[float, str] | None
) -> dict[str, Any]:
    page, more, index = search_returns(api.world, key, source, params, RETURNS_PAGE, after)
    items = [serialize.return_item(api.world, r) for r in page]
    if after is not None and api.kit.faults.take_one("getReturns", FaultKind.DUPLICATE_ACROSS_PAGES, key):
        prev = api.world.returns.get(after[1])
        if prev is not None:
            items.insert(0, serialize.return_item(api.world, prev))
    if page and api.kit.faults.take_one("getReturns", FaultKind.CHANGE_BETWEEN_PAGES, key):
        api.world.touch_return(page[0])
    body: dict[str, Any] = {"hasMore": more, "returnItems": items}
    if page:
        last = page[-1]
        at = last.updated_at if index == "modified" else last.created_at
        keep = {
            k: v
            for k, v in params.items()
            if k in ("createdAfter", "createdBefore", "modifiedAfter", "modifiedBefore", "locationId")
        }
        token = cursor.encode(
            {
                "sellerId": key,
                "after": [at.timestamp(), last.return_id],
                "filter": {"source": source, "params": keep},
                "pagination": {"page_size": RETURNS_PAGE},
            }
        )
        body["nextUrl"] = f"/returns/search/{token}"
    return body


def register(app: FastAPI, api: FlipkartApi) -> None:
    @api.route(app, "GET", "/sellers/v2/returns", "getReturns")
    def returns(request: Request) -> dict[str, Any]:
        key = api.enter(request, "getReturns")
        params = dict(request.query_params)
        source = params.get("source")
        if source not in ("customer_return", "courier_return"):
            raise fail(400, "source is required: customer_return or courier_return")
        for name in DATE_PARAMS:
            if params.get(name):
                try:
                    parse_iso(params[name])
                except ValueError:
                    raise fail(400, f"{name} must be an ISO 8601 date") from None
        for name in ("returnIds", "trackingIds"):
            if params.get(name):
                wanted = set(split_ids(params[name], 25, name))
                rets = (
                    [r for r in (api.world.returns.get(x) for x in wanted) if r]
                    if name == "returnIds"
                    else [
                        api.world.returns[rid]
                        for sid in api.world.index[key].shipments
                        for rid in api.world.returns_of.get(sid, [])
                        if api.world.returns[rid].tracking_id in wanted
                    ]
                )
                rets = [r for r in rets if r.shipment.account_key == key and r.source == source]
                return {"hasMore": False, "returnItems": [serialize.return_item(api.world, r) for r in rets]}
        return returns_page(api, key, source, params, None)

    @api.route(app, "GET", "/sellers/v2/returns/search/{token}", "getReturnsNextPage")
    def returns_next(request: Request, token: str) -> dict[str, Any]:
        key = api.enter(request, "getReturns")
        state = cursor.decode(token)
        if state is None or state.get("sellerId") != key:
            raise fail(400, "Invalid page token")
        if api.kit.faults.take_one("getReturns", FaultKind.PAGE_TOKEN_EXPIRED, key):
            raise fail(400, "Page token has expired; restart the search")
        after = (float(state["after"][0]), str(state["after"][1]))
        return returns_page(api, key, state["filter"]["source"], state["filter"]["params"], after)
