"""Shipping: an order's shipment, label and customer invoice (once the label is ready), and manifests (create
for one courier, list a day's, read, PDF, cancel before pickup)."""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.ajio import actions, pdfs, views
from robnu.sandbox.ajio.errors import fail
from robnu.sandbox.ajio.money import ist_date
from robnu.sandbox.ajio.plumbing import AjioApi, json_object, parse_day, pdf_response


def register(app: FastAPI, api: AjioApi) -> None:
    world = api.world

    @app.get("/orders/{order_id}/shipment")
    def shipment(request: Request, order_id: str) -> dict[str, Any]:
        book = api.authed(request, "getShipment")
        return views.shipment(api.order_of(book, order_id), world.now())

    @app.get("/orders/{order_id}/shipping-label")
    def shipping_label(request: Request, order_id: str) -> Response:
        book = api.authed(request, "getShippingLabel")
        order = api.ready(book, order_id, "label")
        book.record("labels", {"order_id": order_id, "awb_number": order.awb, "at": world.now()})
        return pdf_response(pdfs.label_pdf(book, order), f"label-{order_id}.pdf")

    @app.get("/orders/{order_id}/customer-invoice")
    def customer_invoice(request: Request, order_id: str) -> Response:
        book = api.authed(request, "getCustomerInvoice")
        order = api.ready(book, order_id, "customer invoice")
        book.record("customer_invoices", {"order_id": order_id, "at": world.now()})
        return pdf_response(pdfs.customer_invoice_pdf(book, order), f"invoice-{order_id}.pdf")

    # -------------------------------------------------------------- manifests
    @app.post("/manifests")
    def create_manifest(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        book = api.authed(request, "createManifest")
        data = json_object(body)
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
        book = api.authed(request, "listManifests")
        now = world.now()
        day = parse_day(date) if date else ist_date(now)
        mans = [m for m in book.manifests.values() if ist_date(m.created) == day]
        return {"manifests": [views.manifest(m, now, detail=True) for m in mans]}

    @app.get("/manifests/{manifest_id}")
    def get_manifest(request: Request, manifest_id: str) -> dict[str, Any]:
        book = api.authed(request, "getManifest")
        return views.manifest(api.manifest_of(book, manifest_id), world.now(), detail=True)

    @app.get("/manifests/{manifest_id}/pdf")
    def manifest_pdf(request: Request, manifest_id: str) -> Response:
        book = api.authed(request, "getManifestPdf")
        return pdf_response(pdfs.manifest_pdf(api.manifest_of(book, manifest_id)), f"{manifest_id}.pdf")

    @app.post("/manifests/{manifest_id}/cancel")
    def cancel_manifest(request: Request, manifest_id: str) -> dict[str, Any]:
        book = api.authed(request, "cancelManifest")
        man = api.manifest_of(book, manifest_id)
        now = world.now()
        if man.cancelled_at is not None or now >= man.pickup_at:
            fail(409, "CONFLICT", f"manifest {manifest_id} is already picked up or cancelled")
        actions.cancel_manifest(world, book, man, now)
        return {"success": True, "statusCode": 0, "result": views.manifest(man, now, detail=True)}
