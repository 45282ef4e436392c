"""Returns: the paged list (by updated window, type, status, sub-order), one return, the seller's receipt of it
(with its condition) and a claim on it."""

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
from robnu.sandbox.meesho.model import Account
from robnu.sandbox.meesho.plumbing import (
    BODY,
    DEFAULT_WINDOW,
    MeeshoApi,
    csv,
    json_body,
    ok,
    parse_time,
    window,
    window_from,
    window_to,
)
from robnu.sandbox.meesho.views import return_view

RETURN_LOOKBACK = timedelta(days=120)  # modelled: receipts, claims and advances land within 120 days of creation
RETURN_TYPES = ("RTO", "CUSTOMER_RETURN")
RETURN_STATES = (
    "RTO_INITIATED",
    "RTO_IN_TRANSIT",
    "RTO_DELIVERED",
    "LOST",
    "RETURN_REQUESTED",
    "PICKUP_SCHEDULED",
    "PICKED_UP",
    "IN_TRANSIT",
    "DELIVERED_TO_SUPPLIER",
    "PICKUP_FAILED",
    "CANCELLED",
)
CONDITIONS = ("OK", "DAMAGED", "USED", "WRONG_ITEM", "MISSING_ITEM", "EMPTY_PACKAGE")
CLAIM_TYPES = ("DAMAGED_RETURN", "WRONG_RETURN", "MISSING_RETURN", "USED_RETURN")


def return_index(acct: Account) -> list[tuple[datetime, str]]:
    cached = acct.__dict__.get("_return_index")
    if cached is not None and cached[0] == acct.version and cached[2] == len(acct.returns):
        return list(cached[1])
    index = sorted((ret.created_at, rid) for rid, ret in acct.returns.items())
    acct.__dict__["_return_index"] = (acct.version, index, len(acct.returns))
    return index


def register(app: FastAPI, api: MeeshoApi) -> None:
    world, kit = api.world, api.kit

    @app.get("/v1/returns")
    def list_returns(request: Request) -> Response:
        op = "listReturns"
        acct = api.begin(request, op)
        params = dict(request.query_params)
        now = world.clock.now()
        limit = pg.parse_limit(params.get("limit"))
        types = csv(params, "type", RETURN_TYPES)
        statuses = csv(params, "status", RETURN_STATES)
        offset = 0
        if params.get("cursor"):
            state = pg.decode(params["cursor"], params, now.timestamp())
            if kit.faults.take_one(op, FaultKind.PAGE_TOKEN_EXPIRED, acct.supplier_id):
                raise fail(400, "INVALID_CURSOR", {"reason": "expired"})
            updated = window_from(state["w"]) or (now - DEFAULT_WINDOW, now)
            offset = int(state["k"])
        else:
            state = {}
            updated = window(params, "updated", now) or (now - DEFAULT_WINDOW, now)
        tl.ensure_all(acct)
        index = return_index(acct)
        lo = bisect.bisect_left(index, (updated[0] - RETURN_LOOKBACK, ""))
        hi = bisect.bisect_right(index, (updated[1], "\uffff"))
        wanted = params.get("sub_order_no")
        selected: list[dict[str, Any]] = []
        last = state.get("l")
        if last and kit.faults.take_one(op, FaultKind.CHANGE_BETWEEN_PAGES, acct.supplier_id):
            acct.returns[last].touched_at = now
        if last and kit.faults.take_one(op, FaultKind.DUPLICATE_ACROSS_PAGES, acct.supplier_id):
            selected.append(return_view(acct.returns[last], acct, now, world.claim_due_at(acct.returns[last])))
        position = max(lo, offset)
        matched = 0
        more = False
        while position < hi:
            created_at, return_id = index[position]
            if created_at > now:
                break
            ret = acct.returns[return_id]
            found = tl.return_status_at(ret, now)
            ok_match = found is not None and updated[0] <= found[1] <= updated[1]
            ok_match = ok_match and (types is None or ret.type in types)
            ok_match = ok_match and (statuses is None or (found is not None and found[0] in statuses))
            ok_match = ok_match and (not wanted or ret.sub_order_no == wanted)
            if ok_match:
                if matched == limit:
                    more = True
                    break
                selected.append(return_view(ret, acct, now, world.claim_due_at(ret)))
                last = return_id
                matched += 1
            position += 1
        cursor = None
        if more:
            cursor = pg.encode(
                {
                    "k": position,
                    "l": last,
                    "f": pg.fingerprint(params),
                    "x": now.timestamp() + pg.CURSOR_TTL,
                    "w": window_to(updated),
                }
            )
        return ok(selected, pagination={"next_cursor": cursor, "has_more": more})

    @app.get("/v1/returns/{return_id}")
    def get_return(return_id: str, request: Request) -> Response:
        acct = api.begin(request, "getReturn")
        ret = world.visible_return(acct, return_id)
        return ok(return_view(ret, acct, world.clock.now(), world.claim_due_at(ret)))

    @app.post("/v1/returns/{return_id}/receive")
    def receive_return(return_id: str, request: Request, body: bytes = BODY) -> Response:
        acct = api.begin(request, "receiveReturn", body)

        def run() -> JSONResponse:
            ret = world.visible_return(acct, return_id)
            data = json_body(body)
            if data.get("condition") not in CONDITIONS:
                raise validation_error("condition", f"must be one of {', '.join(CONDITIONS)}")
            if data.get("received_at") is not None:
                parse_time("received_at", str(data["received_at"]))
            world.receive_return(acct, ret, data)
            return ok(return_view(ret, acct, world.clock.now(), world.claim_due_at(ret)))

        return api.idempotent(acct, request, body, run)

    @app.post("/v1/returns/{return_id}/claims")
    def create_claim(return_id: str, request: Request, body: bytes = BODY) -> Response:
        acct = api.begin(request, "createClaim", body)

        def run() -> JSONResponse:
            ret = world.visible_return(acct, return_id)
            data = json_body(body)
            if data.get("claim_type") not in CLAIM_TYPES:
                raise validation_error("claim_type", f"must be one of {', '.join(CLAIM_TYPES)}")
            urls = data.get("evidence_urls", [])
            if not isinstance(urls, list) or not all(isinstance(u, str) and u.startswith("https://") for u in urls):
                raise validation_error("evidence_urls", "must be a list of https:// URLs")
            claim = world.create_claim(acct, ret, data)
            return ok({"claim_id": claim.claim_id, "status": claim.status}, status=201)

        return api.idempotent(acct, request, body, run)
