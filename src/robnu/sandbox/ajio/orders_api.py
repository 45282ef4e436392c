"""Orders: the pendency (new orders to acknowledge), acknowledge or cancel one order, the all-or-nothing batch
confirmation upload, purchase orders and their PDF, and the B2B invoice upload that packs an order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.ajio import actions, invoice_checks, pdfs, views
from robnu.sandbox.ajio.errors import fail, field_error
from robnu.sandbox.ajio.model import ORDER_STATUSES, Order
from robnu.sandbox.ajio.plumbing import (
    BATCH_TTL,
    MAX_BATCH,
    MAX_PAGE,
    AjioApi,
    check_paging,
    epoch_window,
    json_object,
    pdf_response,
)


def register(app: FastAPI, api: AjioApi) -> None:
    world = api.world
    card = api.world.card

    @app.get("/orders/pendency")
    def pendency(
        request: Request,
        from_date: int | None = None,
        to_date: int | None = None,
        page: int = 0,
        size: int = MAX_PAGE,
    ) -> dict[str, Any]:
        book = api.authed(request, "getPendency")
        check_paging(page, size)
        lo, hi = epoch_window(from_date, to_date, 7)
        rows, meta = api.paged("getPendency", book.account.pob_id, world.pendency(book, lo, hi), page, size)
        return {"orders": [views.pendency(book, o, card) for o in rows], "page": meta}

    @app.post("/orders")
    def update_order(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        book = api.authed(request, "updateOrder")
        data = json_object(body)
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
        book = api.authed(request, "uploadConfirmations")
        data = json_object(body)
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
        book = api.authed(request, "getOrders")
        check_paging(page, size)
        now = world.now()
        if status is not None and status not in ORDER_STATUSES:
            fail(400, "VALIDATION_ERROR", f"status must be one of {', '.join(ORDER_STATUSES)}")
        lo = hi = 0
        if order_id is not None:
            found = book.by_id.get(order_id)
            items: Sequence[Order] = [found] if found is not None and found.state_at(now)[1] != "PENDENCY" else []
        else:
            lo, hi = epoch_window(from_date, to_date, 30)
            items = world.purchase_orders(book, lo, hi, status)

        def touch(first: Order) -> Sequence[Order]:
            # CHANGE_BETWEEN_PAGES: an order served on page 0 gets updated now (modelled: address edit).
            _ts, st, note = first.state_at(now)
            first.set_events([*first.events[: first.index_at(now) + 1], (now, st, note or "UPDATED")])
            world.life.reindex(book, first)
            return world.purchase_orders(book, lo, hi, status) if order_id is None else [first]

        rows, meta = api.paged("getOrders", book.account.pob_id, items, page, size, touch)
        return {"orders": [views.purchase_order(book, o, now, card) for o in rows], "page": meta}

    @app.get("/orders/{order_id}/po.pdf")
    def po_pdf(request: Request, order_id: str) -> Response:
        book = api.authed(request, "getPurchaseOrderPdf")
        order = api.order_of(book, order_id)
        if order.po_number is None:
            fail(404, "NOT_FOUND", f"no PO for order {order_id}")
        return pdf_response(pdfs.po_pdf(book, order, card), f"{order.po_number}.pdf")

    @app.post("/orders/{order_id}/b2b-invoice")
    def b2b_invoice(request: Request, order_id: str, body: Any = Body(None)) -> dict[str, Any]:
        book = api.authed(request, "uploadB2bInvoice")
        order = api.order_of(book, order_id)
        data = json_object(body)
        now = world.now()
        errors = invoice_checks.check_b2b_invoice(book, order, data, now, card)
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
