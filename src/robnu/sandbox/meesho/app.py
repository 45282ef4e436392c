"""The modelled Meesho supplier API (meesho.md §2-§11) as a FastAPI app on the shared sandbox kit."""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from robnu.sandbox.faults import FaultKind
from robnu.sandbox.kit import SandboxKit, SandboxResponse, create_app
from robnu.sandbox.meesho import pagination as pg
from robnu.sandbox.meesho import settlement as st
from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.auth import account_key_of, authenticate
from robnu.sandbox.meesho.errors import fail, new_request_id, validation_error
from robnu.sandbox.meesho.model import ACCEPTANCE_MODES, FOREVER, IST, SUB_ORDER_STATES, Account, SubOrder
from robnu.sandbox.meesho.money import money
from robnu.sandbox.meesho.pdfs import label_pdf, manifest_pdf
from robnu.sandbox.meesho.views import label_view, manifest_view, product_view, return_view, sub_order_view
from robnu.sandbox.meesho.world import CANCEL_REASONS, MeeshoWorld

MAX_WINDOW = timedelta(days=30)
WINDOW_GRACE = timedelta(seconds=300)  # modelled: "now - 30d" computed a moment earlier by a client still passes
DEFAULT_WINDOW = timedelta(days=7)
MAX_TIMELINE = timedelta(days=45)  # modelled: a sub-order's own events end within 45 days of creation
RETURN_LOOKBACK = timedelta(days=120)  # modelled: receipts/claims/advances land within 120 days of creation
SCAN_CAP = 20000  # modelled: a page scans at most this many index entries, then answers has_more=true
IDEMPOTENCY_TTL = 24 * 3600
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
EVENT_TYPES = (
    "sub_order.created",
    "sub_order.status_changed",
    "sub_order.cancelled",
    "return.created",
    "return.status_changed",
    "settlement.created",
)


async def raw_body(request: Request) -> bytes:
    return await request.body()


def ok(data: Any, status: int = 200, pagination: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"success": True, "data": data}
    if pagination is not None:
        body["pagination"] = pagination
    return JSONResponse(status_code=status, content=body, headers={"X-Request-Id": new_request_id()})


def parse_time(name: str, raw: str | None) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise validation_error(name, "must be ISO 8601, e.g. 2026-01-10T00:00:00+05:30") from None
    return value if value.tzinfo else value.replace(tzinfo=IST)  # modelled: a naive time is IST


def parse_date(name: str, raw: str | None) -> date | None:
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise validation_error(name, "must be YYYY-MM-DD") from None


def window(params: dict[str, str], prefix: str, now: datetime) -> tuple[datetime, datetime] | None:
    start = parse_time(f"{prefix}_from", params.get(f"{prefix}_from"))
    end = parse_time(f"{prefix}_to", params.get(f"{prefix}_to"))
    if start is None and end is None:
        return None
    end = end or now
    start = start or end - DEFAULT_WINDOW
    if end < start:
        raise validation_error(f"{prefix}_to", f"must not be before {prefix}_from")
    if end - start > MAX_WINDOW + WINDOW_GRACE:
        raise fail(400, "DATE_RANGE_TOO_LARGE", {"field": prefix, "max_days": 30})
    return start, end


def csv(params: dict[str, str], name: str, allowed: tuple[str, ...]) -> set[str] | None:
    raw = params.get(name)
    if not raw:
        return None
    values = {v.strip() for v in raw.split(",") if v.strip()}
    bad = sorted(values - set(allowed))
    if bad:
        raise validation_error(name, f"unknown value(s) {', '.join(bad)}")
    return values


def json_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise validation_error("body", "must be a JSON object") from None
    if not isinstance(data, dict):
        raise validation_error("body", "must be a JSON object")
    return data


def str_list(data: dict[str, Any], name: str, limit: int) -> list[str]:
    values = data.get(name)
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise validation_error(name, "must be a non-empty list of strings")
    if len(values) > limit:
        raise fail(400, "TOO_MANY_ITEMS", {"field": name, "max": limit, "got": len(values)})
    return list(dict.fromkeys(values))


def build_api(world: MeeshoWorld, kit: SandboxKit) -> FastAPI:
    app = create_app(kit, "Meesho supplier API sandbox (modelled)")

    def begin(request: Request, operation: str, body: bytes = b"") -> Account:
        account = account_key_of(request, world)
        kit.guard(request, operation, account)
        if not kit.limiter.try_acquire(account or "-", "default"):
            raise SandboxResponse(kit.errors.throttled(operation, kit.limiter.retry_after_seconds("default")))
        return authenticate(request, body, world, kit, operation)

    def idempotent(acct: Account, request: Request, body: bytes, run: Callable[[], JSONResponse]) -> Response:
        """§2: POSTs take Idempotency-Key (<= 64 chars), replayed for 24 h; reuse with another body -> 409."""
        key = request.headers.get("idempotency-key")
        if key is None:
            return run()
        if not 1 <= len(key) <= 64:
            raise validation_error("Idempotency-Key", "must be 1-64 characters")
        digest = hashlib.sha256(request.url.path.encode() + b"\n" + body).hexdigest()
        now = world.clock.now().timestamp()
        stored = acct.idempotency.get(key)
        if stored is not None and now - stored[1] < IDEMPOTENCY_TTL:
            if stored[0] != digest:
                raise fail(409, "IDEMPOTENCY_KEY_REUSED", {"idempotency_key": key})
            return Response(
                stored[3],
                status_code=stored[2],
                media_type="application/json",
                headers={"X-Request-Id": new_request_id(), "Idempotent-Replayed": "true"},
            )
        response = run()
        acct.idempotency[key] = (digest, now, response.status_code, bytes(response.body))
        return response

    def query(request: Request) -> dict[str, str]:
        return dict(request.query_params)

    # ---------------------------------------------------------------- sub-orders (§5, §6)
    @app.get("/v1/sub-orders")
    def list_sub_orders(request: Request) -> Response:
        op = "listSubOrders"
        acct = begin(request, op)
        params = query(request)
        now = world.clock.now()
        limit = pg.parse_limit(params.get("limit"))
        statuses = csv(params, "status", SUB_ORDER_STATES)
        if params.get("cursor"):
            state = pg.decode(params["cursor"], params, now.timestamp())
            if kit.faults.take_one(op, FaultKind.PAGE_TOKEN_EXPIRED, acct.supplier_id):
                raise fail(400, "INVALID_CURSOR", {"reason": "expired"})
            created = _window_from(state["w"][0])
            updated = _window_from(state["w"][1])
            position = (datetime.fromisoformat(state["k"][0]), state["k"][1])
            start = bisect.bisect_right(acct.by_created, position)
        else:
            state = {}
            created = window(params, "created", now)
            updated = window(params, "updated", now)
            if created is None and updated is None:
                created = (now - DEFAULT_WINDOW, now)
            start = 0
        lo, hi = _created_bounds(created, updated)
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
                more = _any_match(acct, index, stop, now, statuses, updated, sku, warehouse, SCAN_CAP - scanned)
                break
            scanned += 1
            index += 1
            last_key = entry
            sub = acct.sub_orders[entry[1]]
            if _matches(sub, now, statuses, updated, sku, warehouse):
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
                    "w": [_window_to(created), _window_to(updated)],
                }
            )
        return ok(items, pagination={"next_cursor": cursor, "has_more": cursor is not None})

    def _matches(
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

    def _any_match(
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
            if _matches(acct.sub_orders[entry[1]], now, statuses, updated, sku, warehouse):
                return True
        return index + max(budget, 1) < stop

    @app.get("/v1/sub-orders/{sub_order_no}")
    def get_sub_order(sub_order_no: str, request: Request) -> Response:
        acct = begin(request, "getSubOrder")
        sub = world.sub_order(acct, sub_order_no)
        return ok(sub_order_view(sub, acct, world.clock.now()))

    @app.post("/v1/sub-orders/accept")
    def accept(request: Request, body: bytes = Depends(raw_body)) -> Response:
        acct = begin(request, "acceptSubOrders", body)

        def run() -> JSONResponse:
            nos = str_list(json_body(body), "sub_order_nos", 50)
            return ok({"results": world.accept(acct, nos)})

        return idempotent(acct, request, body, run)

    @app.post("/v1/sub-orders/cancel")
    def cancel(request: Request, body: bytes = Depends(raw_body)) -> Response:
        acct = begin(request, "cancelSubOrders", body)

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

        return idempotent(acct, request, body, run)

    @app.get("/v1/settings/acceptance")
    def get_acceptance(request: Request) -> Response:
        acct = begin(request, "getAcceptance")
        return ok({"mode": acct.acceptance_mode})

    @app.put("/v1/settings/acceptance")
    def put_acceptance(request: Request, body: bytes = Depends(raw_body)) -> Response:
        acct = begin(request, "putAcceptance", body)
        mode = json_body(body).get("mode")
        if mode not in ACCEPTANCE_MODES:
            raise validation_error("mode", f"must be one of {', '.join(ACCEPTANCE_MODES)}")
        acct.acceptance_mode = str(mode)
        acct.push("acceptance_mode", {"mode": mode, "at": world.clock.now().isoformat()})
        return ok({"mode": acct.acceptance_mode})

    # ---------------------------------------------------------------- labels, manifests (§7)
    @app.post("/v1/labels")
    def create_labels(request: Request, body: bytes = Depends(raw_body)) -> Response:
        acct = begin(request, "createLabels", body)

        def run() -> JSONResponse:
            nos = str_list(json_body(body), "sub_order_nos", 50)
            label, results = world.create_label(acct, nos)
            status = "FAILED" if not label.sub_order_nos else "PROCESSING"
            if status == "PROCESSING" and world.clock.now() >= label.ready_at:
                status = "PROCESSING"  # §7: the create call always answers PROCESSING; GET shows READY
            return ok({"label_id": label.label_id, "status": status, "results": results}, status=202)

        return idempotent(acct, request, body, run)

    @app.get("/v1/labels/{label_id}")
    def get_label(label_id: str, request: Request) -> Response:
        acct = begin(request, "getLabel")
        label = acct.labels.get(label_id)
        now = world.clock.now()
        if label is None or label.created_at > now:
            raise fail(404, "NOT_FOUND", {"label_id": label_id})
        return ok(label_view(label, acct, now))

    @app.get("/v1/labels/{label_id}/pdf")
    def get_label_pdf(label_id: str, request: Request) -> Response:
        acct = begin(request, "getLabelPdf")
        label = acct.labels.get(label_id)
        now = world.clock.now()
        if label is None or label.created_at > now:
            raise fail(404, "NOT_FOUND", {"label_id": label_id})
        if not label.sub_order_nos:
            raise fail(422, "INVALID_STATE", {"current_status": "FAILED"})
        if now < label.ready_at:
            raise fail(422, "LABEL_NOT_READY", {"label_id": label_id, "status": "PROCESSING"})
        return Response(
            label_pdf(label, acct), media_type="application/pdf", headers={"X-Request-Id": new_request_id()}
        )

    @app.post("/v1/manifests")
    def create_manifest(request: Request, body: bytes = Depends(raw_body)) -> Response:
        acct = begin(request, "createManifest", body)

        def run() -> JSONResponse:
            nos = str_list(json_body(body), "sub_order_nos", 100)
            manifest = world.create_manifest(acct, nos)
            return ok(manifest_view(manifest, world.clock.now(), detail=False), status=201)

        return idempotent(acct, request, body, run)

    @app.get("/v1/manifests")
    def list_manifests(request: Request) -> Response:
        acct = begin(request, "listManifests")
        now = world.clock.now()
        day = parse_date("date", request.query_params.get("date")) or tl.ist_date(now)
        found = [m for m in acct.manifests.values() if m.created_at <= now and tl.ist_date(m.created_at) == day]
        found.sort(key=lambda m: (m.created_at, m.manifest_id))
        return ok(
            [manifest_view(m, now, detail=False) for m in found],
            pagination={"next_cursor": None, "has_more": False},
        )

    @app.get("/v1/manifests/{manifest_id}")
    def get_manifest(manifest_id: str, request: Request) -> Response:
        acct = begin(request, "getManifest")
        manifest = acct.manifests.get(manifest_id)
        now = world.clock.now()
        if manifest is None or manifest.created_at > now:
            raise fail(404, "NOT_FOUND", {"manifest_id": manifest_id})
        return ok(manifest_view(manifest, now, detail=True))

    @app.get("/v1/manifests/{manifest_id}/pdf")
    def get_manifest_pdf(manifest_id: str, request: Request) -> Response:
        acct = begin(request, "getManifestPdf")
        manifest = acct.manifests.get(manifest_id)
        if manifest is None or manifest.created_at > world.clock.now():
            raise fail(404, "NOT_FOUND", {"manifest_id": manifest_id})
        return Response(
            manifest_pdf(manifest, acct),
            media_type="application/pdf",
            headers={"X-Request-Id": new_request_id()},
        )

    # ---------------------------------------------------------------- returns (§8)
    @app.get("/v1/returns")
    def list_returns(request: Request) -> Response:
        op = "listReturns"
        acct = begin(request, op)
        params = query(request)
        now = world.clock.now()
        limit = pg.parse_limit(params.get("limit"))
        types = csv(params, "type", RETURN_TYPES)
        statuses = csv(params, "status", RETURN_STATES)
        offset = 0
        if params.get("cursor"):
            state = pg.decode(params["cursor"], params, now.timestamp())
            if kit.faults.take_one(op, FaultKind.PAGE_TOKEN_EXPIRED, acct.supplier_id):
                raise fail(400, "INVALID_CURSOR", {"reason": "expired"})
            updated = _window_from(state["w"]) or (now - DEFAULT_WINDOW, now)
            offset = int(state["k"])
        else:
            state = {}
            updated = window(params, "updated", now) or (now - DEFAULT_WINDOW, now)
        tl.ensure_all(acct)
        index = _return_index(acct)
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
                    "w": _window_to(updated),
                }
            )
        return ok(selected, pagination={"next_cursor": cursor, "has_more": more})

    def _return_index(acct: Account) -> list[tuple[datetime, str]]:
        cached = acct.__dict__.get("_return_index")
        if cached is not None and cached[0] == acct.version and cached[2] == len(acct.returns):
            return list(cached[1])
        index = sorted((ret.created_at, rid) for rid, ret in acct.returns.items())
        acct.__dict__["_return_index"] = (acct.version, index, len(acct.returns))
        return index

    @app.get("/v1/returns/{return_id}")
    def get_return(return_id: str, request: Request) -> Response:
        acct = begin(request, "getReturn")
        ret = world.visible_return(acct, return_id)
        return ok(return_view(ret, acct, world.clock.now(), world.claim_due_at(ret)))

    @app.post("/v1/returns/{return_id}/receive")
    def receive_return(return_id: str, request: Request, body: bytes = Depends(raw_body)) -> Response:
        acct = begin(request, "receiveReturn", body)

        def run() -> JSONResponse:
            ret = world.visible_return(acct, return_id)
            data = json_body(body)
            if data.get("condition") not in CONDITIONS:
                raise validation_error("condition", f"must be one of {', '.join(CONDITIONS)}")
            if data.get("received_at") is not None:
                parse_time("received_at", str(data["received_at"]))
            world.receive_return(acct, ret, data)
            return ok(return_view(ret, acct, world.clock.now(), world.claim_due_at(ret)))

        return idempotent(acct, request, body, run)

    @app.post("/v1/returns/{return_id}/claims")
    def create_claim(return_id: str, request: Request, body: bytes = Depends(raw_body)) -> Response:
        acct = begin(request, "createClaim", body)

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

        return idempotent(acct, request, body, run)

    # ---------------------------------------------------------------- payments (§9)
    @app.get("/v1/payments/settlements")
    def list_settlements(request: Request) -> Response:
        acct = begin(request, "listSettlements")
        now = world.clock.now()
        today = tl.ist_date(now)
        end = parse_date("to", request.query_params.get("to")) or today
        start = parse_date("from", request.query_params.get("from")) or end - timedelta(days=30)
        if end < start:
            raise validation_error("to", "must not be before from")
        if (end - start).days > 92:
            raise fail(400, "DATE_RANGE_TOO_LARGE", {"field": "from/to", "max_days": 92})
        book = st.ledger(acct, world.config)
        headers = [
            st.settlement_header(acct, period, lines, now)
            for period, lines in st.closed_periods(book, now)
            if start <= st.payment_date(period) <= end
        ]
        return ok(headers, pagination={"next_cursor": None, "has_more": False})

    @app.get("/v1/payments/settlements/{settlement_id}/lines")
    def settlement_lines(settlement_id: str, request: Request) -> Response:
        op = "listSettlementLines"
        acct = begin(request, op)
        params = query(request)
        now = world.clock.now()
        limit = pg.parse_limit(params.get("limit"))
        book = st.ledger(acct, world.config)
        period = next(
            (lines for start, lines in st.closed_periods(book, now) if st.settlement_id(acct, start) == settlement_id),
            None,
        )
        if period is None:
            raise fail(404, "NOT_FOUND", {"settlement_id": settlement_id})
        offset = 0
        if params.get("cursor"):
            offset = int(pg.decode(params["cursor"], params, now.timestamp())["k"])
            if kit.faults.take_one(op, FaultKind.PAGE_TOKEN_EXPIRED, acct.supplier_id):
                raise fail(400, "INVALID_CURSOR", {"reason": "expired"})
        page = period[offset : offset + limit]
        items = [st.line_view(line) for line in page]
        if offset and kit.faults.take_one(op, FaultKind.DUPLICATE_ACROSS_PAGES, acct.supplier_id):
            items.insert(0, st.line_view(period[offset - 1]))
        more = offset + limit < len(period)
        cursor = (
            pg.encode({"k": offset + limit, "f": pg.fingerprint(params), "x": now.timestamp() + pg.CURSOR_TTL})
            if more
            else None
        )
        return ok(items, pagination={"next_cursor": cursor, "has_more": more})

    @app.get("/v1/payments/sub-orders/{sub_order_no}")
    def sub_order_payments(sub_order_no: str, request: Request) -> Response:
        acct = begin(request, "getSubOrderPayments")
        sub = world.sub_order(acct, sub_order_no)
        now = world.clock.now()
        book = st.ledger(acct, world.config)
        closed_before = tl.ist_at(st.period_start(tl.ist_date(now)), time(0, 0))
        lines = [line for line in book.by_sub.get(sub.sub_order_no, []) if line.event_at <= now]
        views = [
            st.line_view(
                line,
                with_settlement=True,
                settlement=st.settlement_id(acct, st.period_start(tl.ist_date(line.event_at)))
                if line.event_at < closed_before
                else None,
            )
            for line in lines
        ]
        total = sum((line.amount for line in lines), Decimal(0))
        return ok({"sub_order_no": sub.sub_order_no, "lines": views, "final_settlement_amount": money(total)})

    # ---------------------------------------------------------------- catalogue and inventory (§10)
    @app.get("/v1/products")
    def list_products(request: Request) -> Response:
        acct = begin(request, "listProducts")
        params = query(request)
        now = world.clock.now()
        limit = pg.parse_limit(params.get("limit"))
        status = csv(params, "status", ("LIVE", "PAUSED", "REJECTED"))
        products = [
            p
            for sku, p in sorted(acct.products.items())
            if (not params.get("sku") or sku == params["sku"]) and (status is None or p.status in status)
        ]
        offset = int(pg.decode(params["cursor"], params, now.timestamp())["k"]) if params.get("cursor") else 0
        more = offset + limit < len(products)
        cursor = (
            pg.encode({"k": offset + limit, "f": pg.fingerprint(params), "x": now.timestamp() + pg.CURSOR_TTL})
            if more
            else None
        )
        return ok(
            [product_view(p) for p in products[offset : offset + limit]],
            pagination={"next_cursor": cursor, "has_more": more},
        )

    @app.post("/v1/inventory")
    def update_inventory(request: Request, body: bytes = Depends(raw_body)) -> Response:
        acct = begin(request, "updateInventory", body)

        def run() -> JSONResponse:
            items = json_body(body).get("items")
            if not isinstance(items, list) or not items:
                raise validation_error("items", "must be a non-empty list")
            if len(items) > 50:
                raise fail(400, "TOO_MANY_ITEMS", {"field": "items", "max": 50, "got": len(items)})
            return ok({"results": world.update_inventory(acct, items)})

        return idempotent(acct, request, body, run)

    @app.get("/v1/inventory")
    def get_inventory(request: Request) -> Response:
        acct = begin(request, "getInventory")
        wanted = {s for s in request.query_params.get("sku", "").split(",") if s}
        found = [p for sku, p in sorted(acct.products.items()) if not wanted or sku in wanted]
        if wanted and not found:
            raise fail(404, "NOT_FOUND", {"sku": sorted(wanted)})
        return ok(
            [{"sku": p.sku, "quantity": p.stock, "warehouse_id": p.warehouse_id, "status": p.status} for p in found]
        )

    # ---------------------------------------------------------------- webhooks (§4)
    @app.put("/v1/webhooks")
    def put_webhooks(request: Request, body: bytes = Depends(raw_body)) -> Response:
        acct = begin(request, "putWebhooks", body)
        data = json_body(body)
        url, types = data.get("url"), data.get("event_types")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise validation_error("url", "must be an absolute http(s) URL")
        if not isinstance(types, list) or not types or any(t not in EVENT_TYPES for t in types):
            raise validation_error("event_types", f"must be a non-empty subset of {', '.join(EVENT_TYPES)}")
        acct.webhook = {"url": url, "event_types": list(types)}
        return ok(acct.webhook)

    @app.get("/v1/webhooks")
    def get_webhooks(request: Request) -> Response:
        acct = begin(request, "getWebhooks")
        return ok(acct.webhook)

    return app


def _window_to(value: tuple[datetime, datetime] | None) -> list[str] | None:
    return [value[0].isoformat(), value[1].isoformat()] if value else None


def _window_from(value: list[str] | None) -> tuple[datetime, datetime] | None:
    return (datetime.fromisoformat(value[0]), datetime.fromisoformat(value[1])) if value else None


def _created_bounds(
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
