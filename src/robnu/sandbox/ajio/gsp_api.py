"""An offline stand-in for the GST e-invoice portal (GSP) a seller's invoices go through: not an AJIO path.

modelled: the IRN is the SHA-256 of ``gstin|FY|INV|number``, as the e-invoice schema defines it, with no
signature authority behind it."""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI

from robnu.sandbox.ajio import invoice_checks
from robnu.sandbox.ajio.errors import fail
from robnu.sandbox.ajio.money import fy_short, ist_date
from robnu.sandbox.ajio.plumbing import AjioApi, json_object


def register(app: FastAPI, api: AjioApi) -> None:
    world = api.world

    @app.post("/_gsp/irn")
    def gsp_irn(body: Any = Body(None)) -> dict[str, Any]:
        """Offline e-invoice stub: IRN = SHA-256 of gstin|FY|INV|number. Not an AJIO path."""
        data = json_object(body)
        number = str(data.get("invoice_number") or "")
        when = data.get("invoice_date")
        if not number or not isinstance(when, int):
            fail(400, "VALIDATION_ERROR", "invoice_number and invoice_date are required")
        irn = invoice_checks.irn_for(str(data.get("seller_gstin")), fy_short(ist_date(when)), "INV", number)
        now = world.now()
        return {
            "irn": irn,
            "ack_no": str(112600000000000 + now % 10**9),
            "ack_date": now,
            "signed_qr_code": f"eyJhbGciOiJSUzI1NiJ9.{irn[:32]}.sandbox",
        }
