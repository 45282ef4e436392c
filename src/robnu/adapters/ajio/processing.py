"""AJIO full processing (issue 5): the 11-stage flow from open order to closed manifest (product.md §2),
run on the engine in ``robnu.adapters.processing``.

| # | stage (phase) | scope | what | AJIO call (ajio.md) |
|---|---|---|---|---|
| 1 | pull open orders (confirm) | BATCH | queue vs AJIO pendency; gone -> held | GET /orders/pendency, /orders |
| 2 | validate quantity (confirm) | ORDER | qty <= Robnu stock and AJIO's inventory | GET /products?sku= |
| 3 | validate GSTIN (confirm) | ORDER | seller GSTIN: format, checksum, state | local |
| 4 | validate address (confirm) | ORDER | buyer pincode <-> state (india.md §6) | local |
| 5 | confirmation upload (confirm) | BATCH | all-or-nothing; bad lines pulled out, held | POST /orders/confirmations |
| 6 | packing slip (documents) | ORDER | slip PDF with SKU and AWB per shipment | local |
| 7 | vendor invoice (documents) | ORDER | B2B invoice for the PO quantity; PDF | POST /orders/{id}/b2b-invoice |
| 8 | customer invoice + label (documents) | ORDER | both PDFs archived | GET …/shipping-label, …/customer-invoice |
| 9 | reconciliation (documents) | ORDER | slip = vendor = customer qty; GSTIN | local (+ GET /orders) |
| 10 | open manifest (manifest) | ORDER | GREEN + PACKED shipment joins it | GET /orders/{id}/shipment |
| 11 | close manifest (manifest) | BATCH | policy + cut-off; one per courier; PDF | POST /manifests, GET /manifests |

Idempotency towards AJIO: a stage re-run after a crash looks at AJIO's state first — an order already out
of pendency is not confirmed again, an order whose shipment carries a B2B invoice number is not invoiced
again, a shipment already on a (non-cancelled) manifest of the day is not manifested again — and the
confirmation upload carries a deterministic ``batch_ref`` (AJIO replays it for 24 h). Documents are looked
up in the documents table before being stored, so each (type, order) is stored once.

[modelled] AJIO names none of the 11 stages; this map is product.md §2's working map. Stage 10's open
manifest is a product-side object (AJIO only sees the submission, product.md §3), so "add to the open
manifest" records the shipment (courier, AWB) against the batch; stage 11 submits it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from robnu.adapters.ajio.client import AjioClient
from robnu.adapters.ajio.credentials import AjioCredentials
from robnu.adapters.base import AdapterContext
from robnu.adapters.errors import TransientMarketplaceError
from robnu.adapters.pdf import render_pdf
from robnu.adapters.processing import (
    VENDOR_INVOICE,
    BatchResult,
    ProcessingFlow,
    Scope,
    StageSpec,
    StepResult,
    may_close_manifest,
)
from robnu.adapters.stock_check import stock_shortfall
from robnu.db.models import Order, OrderItem, Shipment
from robnu.db.processing_models import ProcessingBatch, ProcessingStep
from robnu.db.stock_models import Document
from robnu.domain.clock import IST
from robnu.domain.dispatch import headroom_pct, invoice_prefix_ok
from robnu.domain.india import PincodeCheck, check_pincode_state, gstin_problem
from robnu.domain.statuses import OrderStatus

CONFIRM_BATCH = 100  # §7: at most 100 orders per confirmation upload
MANIFEST_BATCH = 250  # §10: at most 250 shipments per manifest, one courier
CONFIRM_ROUNDS = 5  # a 422 pulls the named lines out and uploads the rest; a few rounds at most
DUPLICATE_ROUNDS = 5  # invoice numbers AJIO already knows are voided and the next taken, this many times
LIVE = frozenset({"PENDENCY", "CONFIRMED", "PACKED"})  # AJIO statuses an order can still go through the flow in

STAGES = (
    StageSpec(1, "pull open orders", "confirmation", Scope.BATCH),
    StageSpec(2, "validate confirmed quantity", "confirmation", Scope.ORDER),
    StageSpec(3, "validate GSTIN", "confirmation", Scope.ORDER),
    StageSpec(4, "validate address", "confirmation", Scope.ORDER),
    StageSpec(5, "confirmation upload", "confirmation", Scope.BATCH),
    StageSpec(6, "packing slip", "slip+invoice", Scope.ORDER),
    StageSpec(7, "vendor invoice", "slip+invoice", Scope.ORDER),
    StageSpec(8, "customer invoice + label", "slip+invoice", Scope.ORDER),
    StageSpec(9, "document reconciliation", "slip+invoice", Scope.ORDER),
    StageSpec(10, "open manifest", "manifest", Scope.ORDER),
    StageSpec(11, "close manifest", "manifest", Scope.BATCH),
)

_LINE_RE = re.compile(r"^orders\[(\d+)\]")


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class AjioFlow(ProcessingFlow):
    """AJIO's 11 stages. Batches, the manifest cut-off (17:30 IST by default) and the closure policy are
    the account's dispatch settings (``ctx.dispatch``)."""

    stages = STAGES
    # PENDENCY -> NEW; an order acknowledged in the portal (CONFIRMED -> ACCEPTED) joins at its stage.
    eligible_statuses = frozenset({OrderStatus.NEW, OrderStatus.ACCEPTED})

    def __init__(self, client_factory: Callable[[AdapterContext], AjioClient] = AjioClient) -> None:
        self._client_factory = client_factory
        self._client: AjioClient | None = None

    def client(self, ctx: AdapterContext) -> AjioClient:
        if self._client is None:
            self._client = self._client_factory(ctx)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # ------------------------------------------------------------------ dispatch
    def run_order_stage(self, ctx: AdapterContext, spec: StageSpec, order: Order) -> StepResult:
        handlers: dict[int, Callable[[AdapterContext, Order], StepResult]] = {
            2: self._validate_quantity,
            3: self._validate_gstin,
            4: self._validate_address,
            6: self._packing_slip,
            7: self._vendor_invoice,
            8: self._customer_documents,
            9: self._reconcile,
            10: self._open_manifest,
        }
        return handlers[spec.number](ctx, order)

    def run_batch_stage(
        self, ctx: AdapterContext, spec: StageSpec, batch: ProcessingBatch, orders: list[Order]
    ) -> BatchResult:
        if spec.number == 1:
            return self._pull_open_orders(ctx, orders)
        if spec.number == 5:
            return self._confirm(ctx, batch, orders)
        if spec.number == 11:
            return self._close_manifest(ctx, batch, orders)
        raise NotImplementedError(spec.name)

    # ------------------------------------------------------------ 1. pull open orders
    def _pull_open_orders(self, ctx: AdapterContext, orders: list[Order]) -> BatchResult:
        """The queue against AJIO: an order still in pendency (or already confirmed/packed in the portal)
        goes on; one AJIO cancelled meanwhile (customer cancel, ack expiry) is held. Checklist item 1: the
        marketplace's open count equals the queue's (an off-by-one means a missed sync) — recorded."""
        client = self.client(ctx)
        pending = {str(o["order_id"]) for o in client.open_pendency(ctx.clock.now())}
        held: dict[int, str] = {}
        for order in orders:
            if order.external_id in pending:
                continue
            po = client.order(order.external_id)
            status = str(po.get("status")) if po else "UNKNOWN"
            if status not in LIVE:
                held[order.id] = f"no longer open at AJIO: {status}"
        queued = {o.external_id for o in orders}
        return BatchResult(
            held=held,
            detail={
                "marketplace_pendency": len(pending),
                "queue": len(orders),
                "missed_by_sync": sorted(pending - queued - _known(ctx, pending))[:20],
            },
        )

    # -------------------------------------------------------- 2-4. validations (local)
    def _validate_quantity(self, ctx: AdapterContext, order: Order) -> StepResult:
        """Confirmed quantity (= ordered: Robnu confirms whole lines) <= stock.

        * Robnu's stock truth: what is left after the seller's older unshipped orders on any marketplace
          (``adapters.stock_check``). [modelled] An untracked SKU passes this half.
        * AJIO's declared inventory (what the confirmation upload checks, §7), while the order is still
          in pendency — so the line is pulled out before the all-or-nothing upload, not rejected in it.
        """
        short = stock_shortfall(ctx.session, order, ctx.account.id)
        if short:
            return StepResult(held=short)
        pending = order.raw_status == "PENDENCY"
        items = _items(ctx, order)
        for item in items:
            if pending:
                declared = self.client(ctx).product_inventory(item.sku)
                if declared is None or item.quantity > declared:
                    return StepResult(
                        held=f"AJIO inventory: {item.sku} declares {declared or 0}, {item.quantity} to confirm"
                    )
        return StepResult(detail={"lines": len(items)})

    def _validate_gstin(self, ctx: AdapterContext, order: Order) -> StepResult:
        """The seller's GSTIN the vendor invoice will carry (the AJIO store's): 15 characters, valid checksum
        (india.md §1), registered in the ship-from state, and of the same business (PAN) as the GSTIN the
        seller configured in Robnu, when one is configured: another PAN would invoice from the wrong entity."""
        store = _creds(ctx).store
        problem = gstin_problem(store.seller_gstin)
        if problem:
            return StepResult(held=f"seller GSTIN {store.seller_gstin}: {problem}")
        if store.seller_gstin[:2] != store.state_code:
            return StepResult(held=f"seller GSTIN {store.seller_gstin} is not registered in state {store.state_code}")
        configured = ctx.dispatch.seller_gstin
        if configured and configured[2:12] != store.seller_gstin[2:12]:  # the PAN: the same legal entity
            return StepResult(
                held=f"seller GSTIN: AJIO's store has {store.seller_gstin}, another business than the "
                f"{configured} configured in Robnu"
            )
        return StepResult(detail={"gstin": store.seller_gstin})

    def _validate_address(self, ctx: AdapterContext, order: Order) -> StepResult:
        if not order.ship_pincode or not order.ship_state_code:
            return StepResult(held="buyer address has no pincode or state")
        check = check_pincode_state(order.ship_pincode, order.ship_state_code)
        if check is PincodeCheck.MISMATCH:
            return StepResult(
                held=f"buyer pincode {order.ship_pincode} does not belong to state {order.ship_state_code}"
            )
        return StepResult(detail={"pincode": order.ship_pincode, "check": check.value})

    # ------------------------------------------------------------ 5. confirmation
    def _confirm(self, ctx: AdapterContext, batch: ProcessingBatch, orders: list[Order]) -> BatchResult:
        """The all-or-nothing upload (§7). Look first: an order already out of pendency (confirmed before
        a crash, or in the portal) is not sent again. A 422 BATCH_REJECTED names its lines
        (``errors[].field = orders[i]…``): those orders are held and the rest uploaded again — one bad
        line never sinks the batch. ``batch_ref`` is derived from the batch and its orders, so a re-run
        of the same upload replays AJIO's answer instead of confirming twice."""
        client = self.client(ctx)
        pending = {str(o["order_id"]) for o in client.open_pendency(ctx.clock.now())}
        todo = [o for o in orders if o.external_id in pending]
        held: dict[int, str] = {}
        refs: list[str] = []
        for at in range(0, len(todo), CONFIRM_BATCH):
            chunk = todo[at : at + CONFIRM_BATCH]
            for _ in range(CONFIRM_ROUNDS):
                if not chunk:
                    break
                ref = _batch_ref(batch, [o.external_id for o in chunk])
                status, body = client.upload_confirmations(ref, [_confirmation(ctx, o) for o in chunk])
                if status == 200:
                    refs.append(ref)
                    break
                bad: dict[int, str] = {}
                for err in body.get("errors") or []:
                    m = _LINE_RE.match(str(err.get("field") or ""))
                    if m and int(m.group(1)) < len(chunk):
                        i = int(m.group(1))
                        bad[i] = (
                            f"confirmation rejected: {err.get('errorCode') or err.get('code')}: {err.get('message')}"
                        )
                if not bad:
                    raise TransientMarketplaceError(f"AJIO rejected confirmation batch {ref}: {body.get('message')}")
                for i, reason in bad.items():
                    held[chunk[i].id] = reason
                chunk = [o for i, o in enumerate(chunk) if i not in bad]
            else:
                raise TransientMarketplaceError("AJIO kept rejecting the confirmation batch")
        # An order neither pending nor held was confirmed earlier: stage 1 saw it live.
        return BatchResult(
            external_ref=",".join(refs)[:100] or None,
            held=held,
            detail={"uploaded": len(todo) - len(held), "already_confirmed": len(orders) - len(todo), "refs": refs},
        )

    # ------------------------------------------------------------ 6. packing slip
    def _packing_slip(self, ctx: AdapterContext, order: Order) -> StepResult:
        """One slip per confirmed shipment, with the SKU and AWB barcodes' values printed (product.md §5).
        [modelled] The barcodes are printed as their values; the scanner test is not modelled."""
        shipment = _shipment(ctx, order)
        existing = _document(ctx, order, "SLIP")
        if existing is not None:
            return StepResult(external_ref=existing.external_ref, detail={"document_id": existing.id})
        items = _items(ctx, order)
        awb = shipment.awb if shipment else None
        content = render_pdf(
            "Packing slip",
            [
                ("Order id", order.external_id),
                ("Shipment id", shipment.external_id if shipment else order.external_id),
                ("AWB", f"*{awb or ''}*"),
                ("Courier", (shipment.courier if shipment else None) or ""),
                ("Ship to", f"{order.ship_city or ''} {order.ship_pincode or ''} ({order.ship_state_code or ''})"),
            ],
            [["SKU", "Barcode", "Qty"]] + [[i.sku, f"*{i.sku}*", str(i.quantity)] for i in items],
            created=order.ordered_at,
        )
        doc_id = _store(ctx, order, shipment, "SLIP", content, awb)
        return StepResult(
            external_ref=awb,
            detail={"document_id": doc_id, "quantities": {i.external_id: i.quantity for i in items}},
        )

    # ----------------------------------------------------------- 7. vendor invoice
    def _vendor_invoice(self, ctx: AdapterContext, order: Order) -> StepResult:
        """The B2B invoice to AJIO for the PO quantity (§8). Look first: a shipment that already carries a
        B2B invoice number was invoiced (before a crash, or in the portal) and is not invoiced again.
        Invoice number: the next in the seller's consecutive series for the FY (``services.invoices``),
        prefixed with the AJIO store's series prefix (AJIO checks it, §8) unless the account sets one;
        the same number on a re-run. E-invoice (IRN) accounts are held: the GSP call is not built yet."""
        client = self.client(ctx)
        creds = _creds(ctx)
        po = client.order(order.external_id)
        if po is None or str(po.get("status")) not in ("CONFIRMED", "PACKED"):
            return StepResult(held=f"vendor invoice: order is {po.get('status') if po else 'not confirmed'} at AJIO")
        lines = _invoice_lines(po)
        shipment_view = client.shipment(order.external_id)
        number = shipment_view.get("b2b_invoice_number")
        sent = False
        if not number:
            if creds.einvoice.enabled:
                return StepResult(held="vendor invoice: e-invoicing (IRN) accounts are not supported yet")
            prefix = ctx.dispatch.invoice_prefix or creds.store.invoice_series_prefix.rstrip("/-")
            if not invoice_prefix_ok(prefix):
                return StepResult(held=f"vendor invoice: series prefix {prefix!r} cannot make a 16-character number")
            assert ctx.services is not None
            bill_to = po.get("bill_to") or {}
            for _ in range(DUPLICATE_ROUNDS):
                number = ctx.services.invoice_number(
                    ctx.session, ctx.account, order.id, kind=VENDOR_INVOICE, prefix=prefix, issued_at=ctx.clock.now()
                )
                body = {
                    "invoice_number": number,
                    "invoice_date": _epoch(ctx.clock.now()),
                    "seller_gstin": creds.store.seller_gstin,
                    "buyer_gstin": bill_to.get("gstin"),
                    "place_of_supply": bill_to.get("state_code"),
                    "lines": lines,
                }
                status, answer = client.upload_b2b_invoice(order.external_id, body)
                if status == 200:
                    break
                codes = {str(e.get("code")) for e in answer.get("errors") or []}
                if "DUPLICATE_INVOICE_NUMBER" not in codes:
                    errors = "; ".join(str(e.get("message")) for e in answer.get("errors") or [])[:250]
                    return StepResult(held=f"vendor invoice rejected: {answer.get('errorCode')}: {errors}")
                # Used outside Robnu (the AJIO portal, another tool): void it and take the series' next.
                ctx.services.void_invoice_number(
                    ctx.session, order.id, kind=VENDOR_INVOICE, reason="AJIO: DUPLICATE_INVOICE_NUMBER"
                )
            else:
                return StepResult(
                    held=f"vendor invoice: AJIO already has {prefix} numbers up to at least {number}; set where "
                    "the series stands (robnu invoices start)"
                )
            sent = True
        number = str(number)
        shipment = _shipment(ctx, order)
        if _document(ctx, order, "VENDOR_INVOICE") is None:
            bill_to = po.get("bill_to") or {}
            content = render_pdf(
                "Tax Invoice (B2B)",
                [
                    ("Invoice number", number),
                    ("Order id", order.external_id),
                    ("PO number", str(po.get("po_number") or "")),
                    ("Seller GSTIN", creds.store.seller_gstin),
                    ("Buyer", f"{bill_to.get('legal_name', '')} GSTIN {bill_to.get('gstin', '')}"),
                    ("Place of supply", str(bill_to.get("state_code") or "")),
                ],
                [["Item", "Qty", "Taxable", "CGST", "SGST", "IGST"]]
                + [
                    [
                        str(ln["order_item_id"]),
                        str(ln["quantity"]),
                        f"INR {ln['taxable_value']}",
                        str(ln["cgst_amount"]),
                        str(ln["sgst_amount"]),
                        str(ln["igst_amount"]),
                    ]
                    for ln in lines
                ],
                created=order.ordered_at,
            )
            _store(ctx, order, shipment, "VENDOR_INVOICE", content, number)
        return StepResult(
            external_ref=number,
            detail={
                "sent": sent,
                "seller_gstin": creds.store.seller_gstin,
                "quantities": {str(ln["order_item_id"]): ln["quantity"] for ln in lines},
            },
        )

    # ------------------------------------------------- 8. customer invoice + label
    def _customer_documents(self, ctx: AdapterContext, order: Order) -> StepResult:
        """Download AJIO's 4x6 label and B2C customer invoice (§9) and archive both against the order and
        shipment. A label not READY yet (409) fails the run transiently; the next run resumes here."""
        client = self.client(ctx)
        shipment = _shipment(ctx, order)
        view = client.shipment(order.external_id)
        refs = {
            "LABEL": str(view.get("awb_number") or ""),
            "CUSTOMER_INVOICE": str(view.get("customer_invoice_number") or ""),
        }
        paths = {
            "LABEL": ("getShippingLabel", f"/orders/{order.external_id}/shipping-label"),
            "CUSTOMER_INVOICE": ("getCustomerInvoice", f"/orders/{order.external_id}/customer-invoice"),
        }
        ids: dict[str, int] = {}
        for doc_type, (operation, path) in paths.items():
            existing = _document(ctx, order, doc_type)
            if existing is not None:
                ids[doc_type] = existing.id
                continue
            content = client.document(operation, path)
            if content is None:
                return StepResult(waiting=f"AJIO {doc_type.lower()} for {order.external_id} is not ready yet")
            ids[doc_type] = _store(ctx, order, shipment, doc_type, content, refs[doc_type] or None)
        return StepResult(external_ref=refs["CUSTOMER_INVOICE"] or None, detail={"documents": ids, **refs})

    # --------------------------------------------------- 9. document reconciliation
    def _reconcile(self, ctx: AdapterContext, order: Order) -> StepResult:
        """GREEN when slip quantities = vendor-invoice quantities = customer-invoice quantities and the
        vendor invoice carries the seller's registered GSTIN (product.md §5); else held (RED).

        [modelled] Under AJIO's RSI model the customer invoice is AJIO's own (AJIO's GSTIN); its quantities
        are the PO's invoiceable quantities (``GET /orders``), which is what its table prints."""
        slip = _step_detail(ctx, order, 6)
        vendor = _step_detail(ctx, order, 7)
        missing = [
            t for t in ("SLIP", "VENDOR_INVOICE", "LABEL", "CUSTOMER_INVOICE") if _document(ctx, order, t) is None
        ]
        if missing:
            return StepResult(held=f"reconciliation RED: missing {', '.join(missing)}")
        po = self.client(ctx).order(order.external_id)
        customer = {str(ln["order_item_id"]): ln["quantity"] for ln in _invoice_lines(po or {})}
        slip_q = {k: int(v) for k, v in (slip.get("quantities") or {}).items()}
        vendor_q = {k: int(v) for k, v in (vendor.get("quantities") or {}).items()}
        problems = []
        if slip_q != vendor_q:
            problems.append(f"slip {slip_q} != vendor invoice {vendor_q}")
        if vendor_q != customer:
            problems.append(f"vendor invoice {vendor_q} != customer invoice {customer}")
        if vendor.get("seller_gstin") != _creds(ctx).store.seller_gstin:
            problems.append("vendor-invoice GSTIN is not the seller's registered GSTIN")
        if problems:
            return StepResult(held="reconciliation RED: " + "; ".join(problems))
        return StepResult(external_ref="GREEN", detail={"pipeline_status": "GREEN", "lines": len(vendor_q)})

    # ------------------------------------------------------------ 10. open manifest
    def _open_manifest(self, ctx: AdapterContext, order: Order) -> StepResult:
        """Add the GREEN shipment to the batch's open manifest (a product-side object, product.md §3): it
        must be PACKED at AJIO with its label READY (what ``POST /manifests`` will check)."""
        view = self.client(ctx).shipment(order.external_id)
        status = str(view.get("status"))
        if status not in ("PACKED", "READY_TO_DISPATCH", "DISPATCHED"):
            return StepResult(held=f"open manifest: shipment is {status} at AJIO")
        if status == "PACKED" and view.get("label_status") != "READY":
            return StepResult(waiting=f"AJIO label for {order.external_id} is not ready yet")
        return StepResult(
            external_ref=str(view.get("shipment_id") or order.external_id),
            detail={"courier": view.get("courier_name"), "awb": view.get("awb_number"), "status": status},
        )

    # ----------------------------------------------------------- 11. close manifest
    def _close_manifest(self, ctx: AdapterContext, batch: ProcessingBatch, orders: list[Order]) -> BatchResult:
        """Submit the open manifest under the batch's closure policy (product.md §3):

        IMMEDIATE now (every shipment reached stage 10, reconciliation GREEN); DELAYED from cut-off - 30 min;
        MANUAL on the user's action or, when configured, from cut-off - 10 min (``may_close_manifest``).

        Past the cut-off the manifest is still submitted (AJIO marks it late: next-day dispatch) and the
        note says so. One AJIO manifest per courier, <= 250 shipments. Look first: shipments already on a
        non-cancelled manifest of the day are not submitted again. Each manifest PDF is stored once."""
        now = ctx.clock.now()
        policy = batch.closure_policy
        if not may_close_manifest(ctx, batch):
            return BatchResult(deferred=True)
        client = self.client(ctx)
        ids = {o.external_id: o for o in orders}
        on: dict[str, str] = {}
        day = now.astimezone(IST).date()
        for d in sorted({day, day - timedelta(days=1)}):
            for man in client.manifests_on(d.isoformat()):
                if man.get("pickup_status") == "CANCELLED":
                    continue
                for sid in man.get("shipment_ids") or []:
                    if str(sid) in ids:
                        on[str(sid)] = str(man["manifest_id"])
        by_courier: dict[str, list[str]] = {}
        couriers = _open_manifest_couriers(ctx, orders)
        for sid, order in ids.items():
            if sid not in on:
                by_courier.setdefault(couriers.get(order.id) or "", []).append(sid)
        held: dict[int, str] = {}
        late = False
        for courier, sids in sorted(by_courier.items()):
            for at in range(0, len(sids), MANIFEST_BATCH):
                chunk = sids[at : at + MANIFEST_BATCH]
                status, body = client.create_manifest(courier, chunk)
                if status != 200:
                    bad = _manifest_errors(body, chunk)
                    for sid, reason in bad.items():
                        held[ids[sid].id] = reason
                    chunk = [sid for sid in chunk if sid not in bad]
                    if not chunk:
                        continue
                    status, body = client.create_manifest(courier, chunk)
                    if status != 200:
                        raise TransientMarketplaceError(f"AJIO rejected the manifest: {body.get('message')}")
                result = body.get("result") or {}
                late = late or bool(result.get("late"))
                for sid in chunk:
                    on[sid] = str(result["manifest_id"])
        manifest_ids = sorted(set(on.values()))
        for mid in manifest_ids:
            if _manifest_document(ctx, mid) is None:
                content = client.document("getManifestPdf", f"/manifests/{mid}/pdf")
                if content is None:
                    raise TransientMarketplaceError(f"AJIO manifest {mid} PDF is not available")
                ctx.session.flush()
                assert ctx.services is not None
                ctx.services.store_document(
                    ctx.session, account=ctx.account, doc_type="MANIFEST", content=content, external_ref=mid
                )
        return BatchResult(
            external_ref=",".join(manifest_ids)[:100] or None,
            held=held,
            detail={
                "manifests": manifest_ids,
                "shipments": {sid: mid for sid, mid in sorted(on.items())},
                "policy": policy,
                "late": late,  # AJIO's own verdict: created after its 17:30 IST cut-off
                "sla_headroom_pct": sla_headroom(batch, orders, now),
            },
        )


# ---------------------------------------------------------------------- helpers
def sla_headroom(batch: ProcessingBatch, orders: Sequence[Order], now: datetime) -> float:
    """product.md §4 [inferred]: (deadline - now) / (deadline - batch start) x 100, the deadline being the
    earliest of the orders' dispatch-by times and the batch's cut-off."""
    deadlines = [_aware(batch.cutoff_at)] + [_aware(o.dispatch_by) for o in orders if o.dispatch_by is not None]
    return max(0.0, headroom_pct(_aware(batch.created_at), min(deadlines), now))


def _creds(ctx: AdapterContext) -> AjioCredentials:
    creds = ctx.credentials
    if not isinstance(creds, AjioCredentials):
        raise TypeError("AJIO credentials expected")
    return creds


def _known(ctx: AdapterContext, external_ids: set[str]) -> set[str]:
    if not external_ids:
        return set()
    return set(
        ctx.session.execute(
            select(Order.external_id).where(
                Order.marketplace_account_id == ctx.account.id, Order.external_id.in_(external_ids)
            )
        ).scalars()
    )


def _items(ctx: AdapterContext, order: Order) -> list[OrderItem]:
    return list(
        ctx.session.execute(select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.id)).scalars()
    )


def _shipment(ctx: AdapterContext, order: Order) -> Shipment | None:
    return (
        ctx.session.execute(select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id))
        .scalars()
        .first()
    )


def _document(ctx: AdapterContext, order: Order, doc_type: str) -> Document | None:
    return (
        ctx.session.execute(
            select(Document).where(Document.order_id == order.id, Document.doc_type == doc_type).order_by(Document.id)
        )
        .scalars()
        .first()
    )


def _manifest_document(ctx: AdapterContext, manifest_id: str) -> Document | None:
    return (
        ctx.session.execute(
            select(Document).where(
                Document.marketplace_account_id == ctx.account.id,
                Document.doc_type == "MANIFEST",
                Document.external_ref == manifest_id,
            )
        )
        .scalars()
        .first()
    )


def _store(
    ctx: AdapterContext, order: Order, shipment: Shipment | None, doc_type: str, content: bytes, ref: str | None
) -> int:
    assert ctx.services is not None
    return ctx.services.store_document(
        ctx.session,
        account=ctx.account,
        doc_type=doc_type,
        content=content,
        order_id=order.id,
        shipment_id=shipment.id if shipment else None,
        external_ref=ref,
    )


def _step_detail(ctx: AdapterContext, order: Order, stage: int) -> dict[str, Any]:
    raw = (
        ctx.session.execute(
            select(ProcessingStep.detail)
            .where(ProcessingStep.order_id == order.id, ProcessingStep.stage == stage, ProcessingStep.outcome == "DONE")
            .order_by(ProcessingStep.id.desc())
        )
        .scalars()
        .first()
    )
    value = json.loads(raw) if raw else {}
    return value if isinstance(value, dict) else {}


def _open_manifest_couriers(ctx: AdapterContext, orders: Sequence[Order]) -> dict[int, str]:
    out: dict[int, str] = {}
    for order in orders:
        detail = _step_detail(ctx, order, 10)
        if detail.get("courier"):
            out[order.id] = str(detail["courier"])
    return out


def _batch_ref(batch: ProcessingBatch, external_ids: Sequence[str]) -> str:
    digest = hashlib.sha256("|".join(sorted(external_ids)).encode()).hexdigest()[:24]
    return f"robnu-{batch.id}-{digest}"


def _confirmation(ctx: AdapterContext, order: Order) -> dict[str, Any]:
    """Acknowledge every line in full: the quantity was validated against stock in stage 2."""
    return {
        "order_id": order.external_id,
        "status": "Acknowledge",
        "order_lines": [
            {"order_item_id": i.external_id, "confirmed_quantity": i.quantity, "cancelled_quantity": 0}
            for i in _items(ctx, order)
        ],
    }


def _invoice_lines(po: dict[str, Any]) -> list[dict[str, Any]]:
    """The B2B invoice lines for the PO's invoiceable quantity (ordered - cancelled - short-picked), with
    AJIO's own tax summary (the §8 check allows a 1.00 drift; we send AJIO's figures exactly)."""
    out = []
    for ln in po.get("order_lines") or []:
        qty = (
            int(ln.get("quantity") or 0)
            - int(ln.get("customer_cancelled_qty") or 0)
            - int(ln.get("seller_cancelled_qty") or 0)
            - int(ln.get("seller_short_picked_qty") or 0)
        )
        if qty <= 0:
            continue
        tax = ln.get("tax_summary") or {}
        out.append(
            {
                "order_item_id": str(ln["order_item_id"]),
                "quantity": qty,
                "taxable_value": _num(tax.get("taxable_value")),
                "cgst_amount": _num(tax.get("cgst_amount")),
                "sgst_amount": _num(tax.get("sgst_amount")),
                "igst_amount": _num(tax.get("igst_amount")),
            }
        )
    return out


def _num(value: Any) -> float:
    return float(Decimal(str(value or 0)).quantize(Decimal("0.01")))


def _manifest_errors(body: dict[str, Any], chunk: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in body.get("errors") or []:
        m = re.match(r"^shipment_ids\[(\d+)\]", str(err.get("field") or ""))
        if m and int(m.group(1)) < len(chunk):
            out[chunk[int(m.group(1))]] = f"manifest rejected: {err.get('code')}: {err.get('message')}"
    return out
