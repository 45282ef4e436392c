"""Sub-orders: the paged list (by created or updated window, status, SKU, warehouse), one sub-order, accept and
cancel (idempotent POSTs), and the account's acceptance mode."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from robnu.sandbox.faults import FaultKind
from robnu.sandbox.meesho import pagination as pg
from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.errors import fail, validation_error
from robnu.sandbox.meesho.model import ACCEPTANCE_MODES, FOREVER, SUB_ORDER_STATES, Account, SubOrder
from robnu.sandbox.meesho.plumbing import (
    BODY,
    DEFAULT_WINDOW,
    MeeshoApi,
    csv,
    json_body,
    ok,
    str_list,
    window,
    window_from,
    window_to,
)
from robnu.sandbox.meesho.views import sub_order_view
from robnu.sandbox.meesho.world import CANCEL_REASONS

MAX_TIMELINE = timedelta(days=45)  # modelled: a sub-order's own events end within 45 days of creation
SCAN_CAP = 20000  # modelled: a page scans at most this many index entries, then answers has_more=true


def matches(
    sub: SubOrder,
    now: datetime,
    statuses: set[str] | None,
    updated: tuple[datetime, datetime] | None,
    sku: str | None,
    warehouse: str | None,
) -> bool:
    if sku and sub.sku != sku:
        return False
    if warehouse and sub.warehouse_id != warehouse:
        return False
    found = tl.status_at(sub, now)
    if found is None:
        return False
    if statuses is not None and found[0] not in statuses:
        return False
    return updated is None or updated[0] <= found[1] <= updated[1]


def any_match(
    acct: Account,
    index: int,
    stop: int,
    now: datetime,
    statuses: set[str] | None,
    updated: tuple[datetime, datetime] | None,
    sku: str | None,
    warehouse: str | None,
    budget: int,
) -> bool:
    for entry in acct.by_created[index : min(stop, index + max(budget, 1))]:
        if entry[0] > now:
            return False
        if matches(acct.sub_orders[entry[1]], now, statuses, updated, sku, warehouse):
            return True
    return index + max(budget, 1) < stop


def created_bounds(
    created: tuple[datetime, datetime] | None, updated: tuple[datetime, datetime] | None
) -> tuple[datetime, datetime]:
    """Index range to scan: the created window, narrowed by the updated window (updated >= created)."""
    lo, hi = FOREVER.replace(year=1), FOREVER
    if created is not None:
        lo, hi = created
    if updated is not None:
        lo = max(lo, updated[0] - MAX_TIMELINE)
        hi = min(hi, updated[1])
    return lo, hi


def register(app: FastAPI, api: MeeshoApi) -> None:
    world, kit = api.world, api.kit

    @app.get("/v1/sub-orders")
    def list_sub_orders(request: Request) -> Response:
        op = "listSubOrders"
        acct = api.begin(request, op)
        params = dict(request.query_params)
        now = world.clock.now()
        limit = pg.parse_limit(params.get("limit"))
        statuses = csv(params, "status", SUB_ORDER_STATES)
        if params.get("cursor"):
            state = pg.decode(params["cursor"], params, now.timestamp())
            if kit.faults.take_one(op, FaultKind.PAGE_TOKEN_EXPIRED, acct.supplier_id):
                raise fail(400, "INVALID_CURSOR", {"reason": "expired"})
            created = window_from(state["w"][0])
            updated = window_from(state["w"][1])
            position = (datetime.fromisoformat(state["k"][0]), state["k"][1])
            start = bisect.bisect_right(acct.by_created, position)
        else:
            state = {}
            created = window(params, "created", now)
            updated = window(params, "updated", now)
            if created is None and updated is None:
                created = (now - DEFAULT_WINDOW, now)
            start = 0
        lo, hi = created_bounds(created, updated)
        if not params.get("cursor"):
            start = bisect.bisect_left(acct.by_created, (lo, ""))
        stop = bisect.bisect_right(acct.by_created, (hi, "\uffff"))
        sku, warehouse = params.get("sku"), params.get("warehouse_id")
        items: list[dict[str, Any]] = []
        last = state.get("l")
        if last and kit.faults.take_one(op, FaultKind.CHANGE_BETWEEN_PAGES, acct.supplier_id):
            acct.sub_orders[last].touched_at = now  # modelled: an already-served record changes while paging
            acct.version += 1
        if last and kit.faults.take_one(op, FaultKind.DUPLICATE_ACROSS_PAGES, acct.supplier_id):
            items.append(sub_order_view(acct.sub_orders[last], acct, now))
        index = start
        scanned = 0
        last_key: tuple[datetime, str] | None = None
        matched = 0
        more = False
        while index < stop:
            entry = acct.by_created[index]
            if entry[0] > now:
                break
            if matched == limit:
                more = any_match(acct, index, stop, now, statuses, updated, sku, warehouse, SCAN_CAP - scanned)
                break
            scanned += 1
            index += 1
            last_key = entry
            sub = acct.sub_orders[entry[1]]
            if matches(sub, now, statuses, updated, sku, warehouse):
                items.append(sub_order_view(sub, acct, now))
                last = sub.sub_order_no
                matched += 1
            if scanned >= SCAN_CAP:
                more = index < stop
                break
        cursor = None
        if more and last_key is not None:
            cursor = pg.encode(
                {
                    "k": [last_key[0].isoformat(), last_key[1]],
                    "l": last,
                    "f": pg.fingerprint(params),
                    "x": now.timestamp() + pg.CURSOR_TTL,
                    "w": [window_to(created), window_to(updated)],
                }
            )
        return ok(items, pagination={"next_cursor": cursor, "has_more": cursor is not None})

    @app.get("/v1/sub-orders/{sub_order_no}")
    def get_sub_order(sub_order_no: str, request: Request) -> Response:
        acct = api.begin(request, "getSubOrder")
        sub = world.sub_order(acct, sub_order_no)
        return ok(sub_order_view(sub, acct, world.clock.now()))

    @app.post("/v1/sub-orders/accept")
    def accept(request: Request, body: bytes = BODY) -> Response:
        acct = api.begin(request, "acceptSubOrders", body)

        def run() -> JSONResponse:
            nos = str_list(json_body(body), "sub_order_nos", 50)
            return ok({"results": world.accept(acct, nos)})

        return api.idempotent(acct, request, body, run)

    @app.post("/v1/sub-orders/cancel")
    def cancel(request: Request, body: bytes = BODY) -> Response:
        acct = api.begin(request, "cancelSubOrders", body)

        def run() -> JSONResponse:
            data = json_body(body)
            nos = str_list(data, "sub_order_nos", 50)
            reason = data.get("reason")
            if reason not in CANCEL_REASONS:
                raise validation_error("reason", f"must be one of {', '.join(CANCEL_REASONS)}")
            remarks = data.get("remarks", "")
            if not isinstance(remarks, str):
                raise validation_error("remarks", "must be a string")
            return ok({"results": world.cancel(acct, nos, str(reason), remarks)})

        return api.idempotent(acct, request, body, run)

    @app.get("/v1/settings/acceptance")
    def get_acceptance(request: Request) -> Response:
        acct = api.begin(request, "getAcceptance")
        return ok({"mode": acct.acceptance_mode})

    @app.put("/v1/settings/acceptance")
    def put_acceptance(request: Request, body: bytes = BODY) -> Response:
        acct = api.begin(request, "putAcceptance", body)
        mode = json_body(body).get("mode")
        if mode not in ACCEPTANCE_MODES:
            raise validation_error("mode", f"must be one of {', '.join(ACCEPTANCE_MODES)}")
        acct.acceptance_mode = str(mode)
        acct.push("acceptance_mode", {"mode": mode, "at": world.clock.now().isoformat()})
        return ok({"mode": acct.acceptance_mode})
