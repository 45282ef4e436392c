"""The AJIO Dropship/VMS seller API routes (ajio.md §4-§12). Sync handlers, each starting with kit.guard."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.ajio import actions, pdfs, views
from robnu.sandbox.ajio.auth import TokenStore
from robnu.sandbox.ajio.book import Book
from robnu.sandbox.ajio.errors import fail, field_error
from robnu.sandbox.ajio.model import ORDER_STATUSES, RETURN_STATUSES, Order, Return
from robnu.sandbox.ajio.money import fy_short, ist_date
from robnu.sandbox.ajio.world import AjioWorld
from robnu.sandbox.faults import FaultKind
from robnu.sandbox.kit import SandboxKit, create_app

DAY = 86400
MAX_PAGE = 50  # [corroborated for products; modelled elsewhere]
MAX_INVENTORY = 50  # SKUs per call [corroborated]
MAX_BATCH = 100  # orders per confirmation upload [modelled]
BATCH_TTL = DAY  # batch_ref idempotency [modelled]


def _obj(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        fail(400, "VALIDATION_ERROR", "request body must be a JSON object")
    return body


def _paging(page: int, size: int) -> None:
    if page < 0 or not 1 <= size <= MAX_PAGE:
        fail(
            400,
            "VALIDATION_ERROR",
            f"page must be >= 0 and size 1..{MAX_PAGE}",
            [field_error("size", "VALIDATION_ERROR", f"size must be 1..{MAX_PAGE}")],
        )


def _window(lo: int | None, hi: int | None, max_days: int) -> tuple[int, int]:
    if lo is None or hi is None:
        fail(400, "VALIDATION_ERROR", "from_date and to_date (epoch seconds) are required")
    if lo > hi or hi - lo > max_days * DAY:
        fail(400, "VALIDATION_ERROR", f"from_date must be <= to_date and the window at most {max_days} days")
    return lo, hi


def _pdf(content: bytes, name: str) -> Response:
    return Response(content, media_type="application/pdf", headers={"Content-Disposition": f"inline; filename={name}"})


def build_app(kit: SandboxKit, world: AjioWorld, tokens: TokenStore) -> FastAPI:
    app = create_app(kit, "AJIO Dropship/VMS seller API (Robnu sandbox)")
    card = world.card

    def authed(request: Request, operation: str) -> Book:
        header = request.headers.get("authorization", "")
        token = tokens.get(header[7:].strip() if header.lower().startswith("bearer ") else None)
        pob = token.pob_id if token else None
        kit.guard(request, operation, pob)
        if token is None or pob not in world.books:
            fail(401, "INVALID_TOKEN", "Missing or invalid bearer token")
        now = world.now()
        if kit.faults.take_one(operation, FaultKind.REVOKED_CREDENTIALS, pob):
            world.revoke(pob)
        if kit.faults.take_one(operation, FaultKind.TOKEN_EXPIRED, pob):
            token.expires = min(token.expires, now)
        book = world.book(pob)
        if book.account.revoked:
            fail(403, "POB_INACTIVE", f"POB {pob} is deactivated")
        if now >= token.expires:
            fail(401, "TOKEN_EXPIRED", "Access token expired; call /authToken again")
        if token.superseded_at is not None and now >= token.superseded_at:
            fail(401, "TOKEN_SUPERSEDED", "Access token replaced by a newer /authToken call")
        return book

    def order_of(book: Book, order_id: str) -> Order:
        order = book.by_id.get(order_id)
        if order is None:
            fail(404, "NOT_FOUND", f"order {order_id} not found")
        return order

    def paged(
        op: str, pob: str, items: Sequence[Any], page: int, size: int, touch: Any = None
    ) -> tuple[list[Any], dict[str, int]]:
        """Page with the marketplace-specific paging faults (DUPLICATE / CHANGE_BETWEEN_PAGES)."""
        if page > 0 and touch is not None and kit.faults.take_one(op, FaultKind.CHANGE_BETWEEN_PAGES, pob):
            items = touch(items[0]) if items else items
        rows, meta = views.page_of(items, page, size)
        if page > 0 and rows and kit.faults.take_one(op, FaultKind.DUPLICATE_ACROSS_PAGES, pob):
            prev = page * size - 1
            if 0 <= prev < len(items):
                rows = [items[prev], *rows]
        return rows, meta

    # ------------------------------------------------------------------ auth
    @app.post("/authToken")
    def auth_token(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        data = body if isinstance(body, dict) else {}
        username = str(data.get("username") or "")
        kit.guard(request, "authToken", username or None)
        book = world.books.get(username)
        if kit.faults.take_one("authToken", FaultKind.REVOKED_CREDENTIALS, username) and book:
            world.revoke(username)
        if book is None or data.get("password") != book.account.api_password:
            fail(401, "INVALID_CREDENTIALS", "Invalid username or password")
        if book.account.revoked:
            fail(403, "POB_INACTIVE", f"POB {username} is deactivated")
        token = tokens.issue(username, world.now())
        return {
            "success": True,
            "statusCode": 0,
            "result": {
                "accessToken": token.access,
                "refreshToken": token.refresh,
                "tokenType": "Bearer",
                "expiresIn": token.expires - token.issued,
            },
        }

    # ------------------------------------------------------ products, stock
    @app.get("/products")
    def products(
        request: Request,
        publishedStatus: str | None = None,
        sku: str | None = None,
        page: int = 0,
        size: int = MAX_PAGE,
    ) -> dict[str, Any]:
        book = authed(request, "getProducts")
        _paging(page, size)
        want = None if publishedStatus is None else publishedStatus == "PUBLISHED"
        items = [
            p
            for s, p in sorted(book.account.products.items())
            if (want is None or p.published == want) and (sku is None or s == sku)
        ]
        rows, meta = views.page_of(items, page, size)
        return {
            "products": [views.product(p, book.account.inventory.get(p.sku, 0)) for p in rows],
            "page": meta,
        }

    @app.get("/products/count")
    def products_count(request: Request, publishedStatus: str | None = None) -> dict[str, Any]:
        book = authed(request, "getProductsCount")
        want = None if publishedStatus is None else publishedStatus == "PUBLISHED"
        return {"count": sum(1 for p in book.account.products.values() if want is None or p.published == want)}

    @app.post("/updateInventory")
    def update_inventory(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        book = authed(request, "updateInventory")
        items = _obj(body).get("inventory")
        if not isinstance(items, list) or not items:
            fail(400, "VALIDATION_ERROR", "inventory must be a non-empty list")
        if len(items) > MAX_INVENTORY:
            fail(400, "TOO_MANY_ITEMS", f"{len(items)} SKUs; at most {MAX_INVENTORY} per call")
        now = world.now()
        ok: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for it in items:
            sku = str(it.get("sku")) if isinstance(it, dict) else ""
            qty = it.get("quantity") if isinstance(it, dict) else None
            if sku not in book.account.products:
                error = "SKU not found for this POB"
            elif not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
                error = "quantity must be a non-negative integer (absolute stock)"
            else:
                error = ""
                book.account.inventory[sku] = qty
                ok.append({"sku": sku, "quantity": qty})
            if error:
                failed.append({"sku": sku, "error_message": error})
            book.record("inventory", {"sku": sku, "quantity": qty, "at": now, "accepted": not error})
        return {"success": ok, "failed_items": failed}

    # ---------------------------------------------------------------- orders
    @app.get("/orders/pendency")
    def pendency(
        request: Request,
        from_date: int | None = None,
        to_date: int | None = None,
        page: int = 0,
        size: int = MAX_PAGE,
    ) -> dict[str, Any]:
        book = authed(request, "getPendency")
        _paging(page, size)
        lo, hi = _window(from_date, to_date, 7)
        rows, meta = paged("getPendency", book.account.pob_id, world.pendency(book, lo, hi), page, size)
        return {"orders": [views.pendency(book, o, card) for o in rows], "page": meta}

    @app.post("/orders")
    def update_order(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        book = authed(request, "updateOrder")
        data = _obj(body)
        now = world.now()
        errors = actions.check_order_action(book, data, "order", now, Counter())
        if errors:
            return {
                "success": [],
                "failed_items": [
                    {
                        "order_id": data.get("order_id"),
                        "error_message": "; ".join(f"{e['code']}: {e['message']}" for e in errors),
                    }
                ],
            }
        return {"success": [actions.apply_order_action(world, book, data, now, "orders")], "failed_items": []}

    @app.post("/orders/confirmations")
    def confirmations(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        book = authed(request, "uploadConfirmations")
        data = _obj(body)
        ref, orders = data.get("batch_ref"), data.get("orders")
        if not isinstance(ref, str) or not ref or not isinstance(orders, list) or not orders:
            fail(400, "VALIDATION_ERROR", "batch_ref and a non-empty orders list are required")
        if len(orders) > MAX_BATCH:
            fail(400, "TOO_MANY_ITEMS", f"{len(orders)} orders; at most {MAX_BATCH} per upload")
        now = world.now()
        done = book.batches.get(ref)
        if done is not None and now - done[0] < BATCH_TTL:
            return done[1]
        draw: Counter[str] = Counter()
        errors = []
        seen: set[str] = set()
        for i, o in enumerate(orders):
            oid = str(o.get("order_id")) if isinstance(o, dict) else ""
            if oid in seen:
                errors.append(field_error(f"orders[{i}]", "DUPLICATE_LINE", f"order {oid} repeated in the batch"))
                continue
            seen.add(oid)
            errors += actions.check_order_action(book, o, f"orders[{i}]", now, draw)
        n_lines = sum(len(o.get("order_lines") or []) for o in orders if isinstance(o, dict))
        if errors:
            bad = len(
                {e["field"].split(".order_lines")[0] if "order_lines[" in e["field"] else e["field"] for e in errors}
            )
            fail(
                422,
                "BATCH_REJECTED",
                f"Batch rejected: {bad} of {n_lines} lines failed validation; nothing was applied",
                errors,
            )
        for o in orders:
            actions.apply_order_action(world, book, o, now, "confirmations", ref)
        result = {
            "success": True,
            "statusCode": 0,
            "result": {"batch_ref": ref, "accepted_orders": len(orders), "accepted_lines": n_lines},
        }
        book.batches[ref] = (now, result)
        book.record("confirmation_batches", {"batch_ref": ref, "orders": len(orders), "lines": n_lines, "at": now})
        return result

    @app.get("/orders")
    def purchase_orders(
        request: Request,
        from_date: int | None = None,
        to_date: int | None = None,
        status: str | None = None,
        order_id: str | None = None,
        page: int = 0,
        size: int = MAX_PAGE,
    ) -> dict[str, Any]:
        book = authed(request, "getOrders")
        _paging(page, size)
        now = world.now()
        if status is not None and status not in ORDER_STATUSES:
            fail(400, "VALIDATION_ERROR", f"status must be one of {', '.join(ORDER_STATUSES)}")
        lo = hi = 0
        if order_id is not None:
            found = book.by_id.get(order_id)
            items: Sequence[Order] = [found] if found is not None and found.state_at(now)[1] != "PENDENCY" else []
        else:
            lo, hi = _window(from_date, to_date, 30)
            items = world.purchase_orders(book, lo, hi, status)

        def touch(first: Order) -> Sequence[Order]:
            # CHANGE_BETWEEN_PAGES: an order served on page 0 gets updated now (modelled: address edit).
            _ts, st, note = first.state_at(now)
            first.set_events([*first.events[: first.index_at(now) + 1], (now, st, note or "UPDATED")])
            world.life.reindex(book, first)
            return world.purchase_orders(book, lo, hi, status) if order_id is None else [first]

        rows, meta = paged("getOrders", book.account.pob_id, items, page, size, touch)
        return {"orders": [views.purchase_order(book, o, now, card) for o in rows], "page": meta}

    @app.get("/orders/{order_id}/po.pdf")
    def po_pdf(request: Request, order_id: str) -> Response:
        book = authed(request, "getPurchaseOrderPdf")
        order = order_of(book, order_id)
        if order.po_number is None:
            fail(404, "NOT_FOUND", f"no PO for order {order_id}")
        return _pdf(pdfs.po_pdf(book, order, card), f"{order.po_number}.pdf")

    @app.post("/orders/{order_id}/b2b-invoice")
    def b2b_invoice(request: Request, order_id: str, body: Any = Body(None)) -> dict[str, Any]:
        book = authed(request, "uploadB2bInvoice")
        order = order_of(book, order_id)
        data = _obj(body)
        now = world.now()
        errors = actions.check_b2b_invoice(book, order, data, now, card)
        if errors:
            fail(422, errors[0]["code"], f"B2B invoice rejected: {len(errors)} problem(s)", errors)
        world.life.accept_invoice(book, order, data["invoice_number"], data["invoice_date"], data.get("irn"), now)
        world.life.play(book, order, "PACKED", now, now)
        book.record(
            "b2b_invoices",
            {
                "order_id": order_id,
                "invoice_number": data["invoice_number"],
                "invoice_date": data["invoice_date"],
                "irn": data.get("irn"),
                "at": now,
            },
        )
        return {
            "success": True,
            "statusCode": 0,
            "result": {
                "order_id": order_id,
                "invoice_number": data["invoice_number"],
                "status": "ACCEPTED",
                "shipment_id": order_id,
                "label_status": "READY" if order.invoice and now >= order.invoice.label_ready_at else "PROCESSING",
            },
        }

    @app.get("/orders/{order_id}/shipment")
    def shipment(request: Request, order_id: str) -> dict[str, Any]:
        book = authed(request, "getShipment")
        return views.shipment(order_of(book, order_id), world.now())

    def ready(book: Book, order_id: str, kind: str) -> Order:
        order = order_of(book, order_id)
        if order.invoice is None or world.now() < order.invoice.label_ready_at:
            fail(409, "LABEL_NOT_READY", f"{kind} for {order_id} is not ready yet")
        return order

    @app.get("/orders/{order_id}/shipping-label")
    def shipping_label(request: Request, order_id: str) -> Response:
        book = authed(request, "getShippingLabel")
        order = ready(book, order_id, "label")
        book.record("labels", {"order_id": order_id, "awb_number": order.awb, "at": world.now()})
        return _pdf(pdfs.label_pdf(book, order), f"label-{order_id}.pdf")

    @app.get("/orders/{order_id}/customer-invoice")
    def customer_invoice(request: Request, order_id: str) -> Response:
        book = authed(request, "getCustomerInvoice")
        order = ready(book, order_id, "customer invoice")
        book.record("customer_invoices", {"order_id": order_id, "at": world.now()})
        return _pdf(pdfs.customer_invoice_pdf(book, order), f"invoice-{order_id}.pdf")

    # -------------------------------------------------------------- manifests
    @app.post("/manifests")
    def create_manifest(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        book = authed(request, "createManifest")
        data = _obj(body)
        now = world.now()
        errors = actions.check_manifest(book, data.get("courier_name"), data.get("shipment_ids"), now)
        if errors:
            fail(
                400 if errors[0]["code"] == "VALIDATION_ERROR" else 422,
                errors[0]["code"],
                f"Manifest rejected: {len(errors)} problem(s)",
                errors,
            )
        man = actions.create_manifest(world, book, data["courier_name"], [str(s) for s in data["shipment_ids"]], now)
        return {"success": True, "statusCode": 0, "result": views.manifest(man, now, detail=False)}

    @app.get("/manifests")
    def list_manifests(request: Request, date: str | None = None) -> dict[str, Any]:
        book = authed(request, "listManifests")
        now = world.now()
        day = _day(date) if date else ist_date(now)
        mans = [m for m in book.manifests.values() if ist_date(m.created) == day]
        return {"manifests": [views.manifest(m, now, detail=True) for m in mans]}

    def manifest_of(book: Book, manifest_id: str) -> Any:
        man = book.manifests.get(manifest_id)
        if man is None:
            fail(404, "NOT_FOUND", f"manifest {manifest_id} not found")
        return man

    @app.get("/manifests/{manifest_id}")
    def get_manifest(request: Request, manifest_id: str) -> dict[str, Any]:
        book = authed(request, "getManifest")
        return views.manifest(manifest_of(book, manifest_id), world.now(), detail=True)

    @app.get("/manifests/{manifest_id}/pdf")
    def manifest_pdf(request: Request, manifest_id: str) -> Response:
        book = authed(request, "getManifestPdf")
        return _pdf(pdfs.manifest_pdf(manifest_of(book, manifest_id)), f"{manifest_id}.pdf")

    @app.post("/manifests/{manifest_id}/cancel")
    def cancel_manifest(request: Request, manifest_id: str) -> dict[str, Any]:
        book = authed(request, "cancelManifest")
        man = manifest_of(book, manifest_id)
        now = world.now()
        if man.cancelled_at is not None or now >= man.pickup_at:
            fail(409, "CONFLICT", f"manifest {manifest_id} is already picked up or cancelled")
        actions.cancel_manifest(world, book, man, now)
        return {"success": True, "statusCode": 0, "result": views.manifest(man, now, detail=True)}

    # ---------------------------------------------------------------- returns
    @app.get("/returns")
    def list_returns(
        request: Request,
        return_type: str | None = None,
        status: str | None = None,
        from_date: int | None = None,
        to_date: int | None = None,
        page: int = 0,
        size: int = MAX_PAGE,
    ) -> dict[str, Any]:
        book = authed(request, "getReturns")
        _paging(page, size)
        if return_type not in (None, "CR", "RTO") or status not in (None, *RETURN_STATUSES):
            fail(400, "VALIDATION_ERROR", "return_type must be CR or RTO; status a return status")
        lo, hi = _window(from_date, to_date, 30)
        now = world.now()
        items = world.returns_in(book, lo, hi, return_type, status)

        def touch(first: Return) -> Sequence[Return]:
            _ts, st, note = first.state_at(now)
            first.set_events([*first.events[: first.index_at(now) + 1], (now, st, note or "UPDATED")])
            world.life.reindex(book, book.orders[first.order_key])
            return world.returns_in(book, lo, hi, return_type, status)

        rows, meta = paged("getReturns", book.account.pob_id, items, page, size, touch)
        return {"returns": [views.return_(r, now) for r in rows], "page": meta}

    def return_of(book: Book, return_id: str) -> Return:
        ret = book.returns_by_id.get(return_id)
        if ret is None or not world.visible_return(ret, world.now()):
            fail(404, "NOT_FOUND", f"return {return_id} not found")
        return ret

    @app.get("/returns/{return_id}")
    def get_return(request: Request, return_id: str) -> dict[str, Any]:
        book = authed(request, "getReturn")
        return views.return_(return_of(book, return_id), world.now())

    @app.post("/returns/rto")
    def rto(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        book = authed(request, "generateRto")
        data = _obj(body)
        order = order_of(book, str(data.get("order_id")))
        now = world.now()
        st = order.state_at(now)[1]
        received = data.get("received_at")
        if st != "DISPATCHED":
            fail(422, "ORDER_NOT_DISPATCHED", f"order {order.order_id} is {st}, not DISPATCHED")
        if data.get("awb_number") != order.awb:
            fail(422, "AWB_MISMATCH", f"awb_number does not match order {order.order_id}")
        if not isinstance(received, int) or received > now + 300:
            fail(400, "VALIDATION_ERROR", "received_at must be an epoch second, not in the future")
        ret = actions.generate_rto(world, book, order, received, now)
        book.record("rto_generations", {"order_id": order.order_id, "return_id": ret.return_id, "at": now})
        return {"success": True, "statusCode": 0, "result": views.return_(ret, now)}

    @app.post("/returns/{return_id}/qc")
    def qc(request: Request, return_id: str, body: Any = Body(None)) -> dict[str, Any]:
        book = authed(request, "submitQc")
        ret = return_of(book, return_id)
        results = _obj(body).get("qc_results")
        now = world.now()
        errors = actions.check_qc(ret, results, now)
        if errors:
            fail(422, errors[0]["code"], f"QC rejected: {len(errors)} problem(s)", errors)
        assert isinstance(results, list)
        actions.submit_qc(world, book, ret, results, now)
        return {"success": True, "statusCode": 0, "result": views.return_(ret, now)}

    # ------------------------------------------------------------- settlements
    @app.get("/payments/settlements")
    def settlements(request: Request, from_date: str | None = None, to_date: str | None = None) -> dict[str, Any]:
        book = authed(request, "getSettlements")
        lo = _day(from_date) if from_date else None
        hi = _day(to_date) if to_date else None
        now = world.now()
        return {
            "settlements": [
                views.settlement(book, c, world.statement(book, c), now) for c in world.cycles(book, lo, hi)
            ]
        }

    def cycle_lines(book: Book, settlement_id: str) -> tuple[str, list[Any]]:
        cycle = world.find_cycle(book, settlement_id)
        if cycle is None:
            fail(404, "NOT_FOUND", f"settlement {settlement_id} not found")
        return settlement_id, world.statement(book, cycle)

    @app.get("/payments/settlements/{settlement_id}/lines")
    def settlement_lines(request: Request, settlement_id: str, page: int = 0, size: int = MAX_PAGE) -> dict[str, Any]:
        book = authed(request, "getSettlementLines")
        _paging(page, size)
        sid, lines = cycle_lines(book, settlement_id)
        numbered = list(enumerate(lines, 1))
        rows, meta = views.page_of(numbered, page, size)
        return {"lines": [views.settlement_line(sid, n, ln) for n, ln in rows], "page": meta}

    @app.get("/payments/settlements/{settlement_id}/statement.csv")
    def statement_csv(request: Request, settlement_id: str) -> Response:
        book = authed(request, "getSettlementStatement")
        sid, lines = cycle_lines(book, settlement_id)
        buf = io.StringIO()
        cols = [
            "line_id",
            "order_id",
            "order_item_id",
            "line_group",
            "line_type",
            "base_amount",
            "rate",
            "amount",
            "event_date",
            "reference",
        ]
        writer = csv.DictWriter(buf, fieldnames=cols)
        writer.writeheader()
        for n, ln in enumerate(lines, 1):
            writer.writerow(views.settlement_line(sid, n, ln))
        return Response(buf.getvalue().encode(), media_type="text/csv; charset=utf-8")

    # ------------------------------------------------------------- GSP stub
    @app.post("/_gsp/irn")
    def gsp_irn(body: Any = Body(None)) -> dict[str, Any]:
        """Offline e-invoice stub (§8): IRN = SHA-256 of gstin|FY|INV|number. Not an AJIO path."""
        data = _obj(body)
        number = str(data.get("invoice_number") or "")
        when = data.get("invoice_date")
        if not number or not isinstance(when, int):
            fail(400, "VALIDATION_ERROR", "invoice_number and invoice_date are required")
        irn = actions.irn_for(str(data.get("seller_gstin")), fy_short(ist_date(when)), "INV", number)
        now = world.now()
        return {
            "irn": irn,
            "ack_no": str(112600000000000 + now % 10**9),
            "ack_date": now,
            "signed_qr_code": f"eyJhbGciOiJSUzI1NiJ9.{irn[:32]}.sandbox",
        }

    return app


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(400, "VALIDATION_ERROR", f"{text!r} is not a YYYY-MM-DD date")
