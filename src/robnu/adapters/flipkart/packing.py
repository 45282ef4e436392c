"""Flipkart's confirmation, which is packing (stages 2-3 of processing.py): the Pack API declares the tax
invoice and makes Flipkart generate label and invoice asynchronously."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from robnu.adapters.flipkart.client import ACTION_BATCH, FlipkartClient
from robnu.adapters.flipkart.credentials import FlipkartCredentials
from robnu.adapters.flipkart.mapping import fk_time
from robnu.adapters.processing import (
    TAX_INVOICE,
    BatchResult,
    FlowBatch,
    FlowItem,
    FlowOrder,
    FlowRun,
    FlowShipment,
)

Run = FlowRun[FlipkartClient, FlipkartCredentials]

# Raw shipment statuses
APPROVED = "APPROVED"
PACKING = "PACKING_IN_PROGRESS"
FORM_FAILED = "FORM_FAILED"
PACKED_STATUS = "PACKED"
READY = "READY_TO_DISPATCH"
PAST_PACK = frozenset({PACKED_STATUS, READY, "PICKUP_COMPLETE", "SHIPPED", "DELIVERED", "COMPLETED"})
PAST_RTD = frozenset({READY, "PICKUP_COMPLETE", "SHIPPED", "DELIVERED", "COMPLETED"})
_LIFECYCLE = [APPROVED, PACKING, FORM_FAILED, PACKED_STATUS, READY, "PICKUP_COMPLETE", "SHIPPED", "DELIVERED"]

GST_SLABS = (0.0, 0.25, 3.0, 5.0, 12.0, 18.0, 28.0)
# modelled: orders carry no tax rate (the search shows GST-inclusive prices only): the product master's
# rate when the seller set one, else a rate derived from the synced tax amount, else this default.
DEFAULT_GST_RATE = 18.0
DEFAULT_INVOICE_PREFIX = "FK"  # the seller's Flipkart invoice series unless the account sets one


def live_shipments(run: Run, order_ids: Iterable[int]) -> dict[int, list[FlowShipment]]:
    """Each order's live shipments (one per order in the sandbox; Flipkart may split)."""
    out: dict[int, list[FlowShipment]] = {}
    for order_id, shipments in run.store.shipments(order_ids).items():
        live = [sh for sh in shipments if sh.status != "CANCELLED"]
        if live:
            out[order_id] = live
    return out


def states(run: Run, by_order: dict[int, list[FlowShipment]]) -> dict[str, dict[str, Any]]:
    """The current shipment object of each shipment, by shipment id (look before sending)."""
    return run.client.shipments_by_ids([sh.external_id for group in by_order.values() for sh in group])


def state_of(sh: dict[str, Any] | None) -> str:
    """The shipment's raw status: its least advanced live item (every item cancelled: CANCELLED)."""
    if sh is None:
        return "MISSING"
    statuses = [str(i.get("status")) for i in sh.get("orderItems") or [] if isinstance(i, dict)]
    live = [s for s in statuses if s != "CANCELLED"]
    if not live:
        return "CANCELLED"
    return min(live, key=lambda s: _LIFECYCLE.index(s) if s in _LIFECYCLE else -1)


def gst_rate(item: FlowItem, product_rate: Decimal | None = None) -> float:
    if product_rate is not None:
        return float(product_rate)
    taxable = item.line_total - item.tax_amount
    if item.tax_amount > 0 and taxable > 0:
        rate = float(item.tax_amount / taxable * 100)
        return min(GST_SLABS, key=lambda slab: abs(slab - rate))
    return DEFAULT_GST_RATE


def pack(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """The confirmation: declare invoice + tax rates and ask for labels, <= 25 shipments a call.

    Look first: a shipment no longer APPROVED was packed already (an earlier run that crashed, or
    Seller Hub) and is not sent again. A per-shipment FAILURE holds that order only.
    """
    now = run.now()
    by_order = live_shipments(run, [o.id for o in orders])
    current = states(run, by_order)
    result = BatchResult()
    entries: list[dict[str, Any]] = []
    owner: dict[str, int] = {}
    invoices: dict[str, str] = {}
    already = 0
    for order in orders:
        for sh in by_order.get(order.id, []):
            found = current.get(sh.external_id)
            state = state_of(found)
            if state == "CANCELLED":
                result.held[order.id] = "cancelled on Flipkart before packing"
            elif state == "MISSING":
                result.held[order.id] = f"shipment {sh.external_id} not found on Flipkart"
            elif state != APPROVED:
                already += 1  # packed before (re-run after a crash, or Seller Hub): not sent again
            elif found is not None and found.get("hold"):
                result.held[order.id] = "Flipkart holds the shipment (COD / address / fraud check)"
            else:
                prefix = run.ctx.dispatch.invoice_prefix or DEFAULT_INVOICE_PREFIX
                number = run.store.invoice_number(order.id, kind=TAX_INVOICE, prefix=prefix)
                owner[sh.external_id] = order.id
                invoices[sh.external_id] = number
                entries.append(_pack_entry(run, order, sh, found or {}, number, now))
    for n in range(0, len(entries), ACTION_BATCH):
        chunk = entries[n : n + ACTION_BATCH]
        answers = run.client.pack(chunk)
        for entry in chunk:
            sid = str(entry["shipmentId"])
            answer = answers.get(sid) or {"status": "FAILURE", "errorMessage": "no answer for this shipment"}
            if answer["status"] != "SUCCESS":
                result.held[owner[sid]] = f"pack refused: {answer.get('errorCode')}: {answer.get('errorMessage')}"
    result.external_ref = f"packed {len(entries) - len(result.held)}"
    result.detail = {"sent": len(entries), "already_packed": already, "invoices": invoices}
    return result


def _pack_entry(
    run: Run, order: FlowOrder, sh: FlowShipment, current: dict[str, Any], number: str, now: datetime
) -> dict[str, Any]:
    items = {i.external_id: i for i in run.store.items(order)}
    tax_items = []
    for raw in current.get("orderItems") or []:
        if not isinstance(raw, dict) or raw.get("status") == "CANCELLED":
            continue
        item = items.get(str(raw.get("orderItemId")))
        rate = gst_rate(item, run.store.product_gst_rate(item.sku)) if item is not None else DEFAULT_GST_RATE
        tax_items.append(
            {"orderItemId": str(raw.get("orderItemId")), "taxRate": rate, "quantity": int(raw.get("quantity") or 1)}
        )
    return {
        "shipmentId": sh.external_id,
        "locationId": run.client.location_id,
        "taxItems": tax_items,
        "invoices": [{"orderId": order.external_id, "invoiceDate": fk_time(now), "invoiceNumber": number}],
        "ignoreWarning": False,
    }


def await_packed(run: Run, batch: FlowBatch, orders: list[FlowOrder]) -> BatchResult:
    """Packing is asynchronous (5-10 s typical, up to 30 min): an order whose shipment is still
    PACKING_IN_PROGRESS waits at this stage (the engine holds it after the account's maximum wait)
    while the packed ones go on. FORM_FAILED needs the seller's state-form ack number (
    ``forms/updateAck``), which Robnu cannot invent: that order is held for the seller."""
    by_order = live_shipments(run, [o.id for o in orders])
    current = states(run, by_order)
    result = BatchResult()
    for order in orders:
        for sh in by_order.get(order.id, []):
            state = state_of(current.get(sh.external_id))
            if state in (PACKING, APPROVED):
                result.waiting[order.id] = f"shipment {sh.external_id} is {state} at Flipkart"
            elif state == FORM_FAILED:
                result.held[order.id] = "FORM_FAILED: the state e-way/compliance form needs an ack number"
            elif state not in PAST_PACK:
                result.held[order.id] = f"shipment {sh.external_id} is {state} after packing"
    result.detail = {"held": len(result.held), "packing": len(result.waiting)}
    return result
