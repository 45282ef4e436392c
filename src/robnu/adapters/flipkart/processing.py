"""Flipkart full processing (issue 5): validate -> pack (labels + invoice) -> packed -> documents -> RTD -> manifest.

Flipkart has **no acceptance step** (reference flipkart.md §3): an APPROVED shipment is confirmed and waits
to be packed. The seller's "confirmation" is the Pack API (§7, ``POST /v3/shipments/labels``), which
declares the tax invoice (number, date, tax rates) and makes Flipkart generate label + invoice,
asynchronously (PACKING_IN_PROGRESS -> PACKED, or FORM_FAILED). Then ready-to-dispatch (§8
``POST /v3/shipments/dispatch``, which is what the ``dispatchByDate`` SLA measures) and the vendor
group's manifest (§8 ``POST /v3/shipments/manifest``, a PDF).

Stage map (the engine persists after every stage; see docs/processing.md#flipkart):

| # | stage | scope | call |
|---|---|---|---|
| 1 | validate | order | local: buyer pincode <-> state, stock (confirmed qty <= on hand), seller GSTIN |
| 2 | pack (labels + invoice) | batch | ``POST /v3/shipments/labels`` <= 25 a call |
| 3 | await packed | batch | ``GET /v3/shipments?shipmentIds=`` (deferred while PACKING_IN_PROGRESS) |
| 4 | label + invoice documents | order | ``GET /v3/shipments/{id}/labels``, ``GET .../invoices`` (PDF) |
| 5 | ready to dispatch | batch | ``POST /v3/shipments/dispatch`` <= 25 a call |
| 6 | manifest | batch | ``GET /v3/shipments/handover/counts``, ``POST /v3/shipments/manifest`` (PDF) |

Idempotency towards Flipkart (the engine re-runs a stage whose completion it did not record):
* pack and RTD look at the shipment's status first and only send what is still APPROVED / PACKED;
* documents are downloads (no side effect) and are stored only when the order has none of that type;
* the manifest has no idempotency key and no status to look at, so its PDF is recorded (one MANIFEST
  row per shipment, committed at once) before the stage returns; a re-run finds the rows and does not
  ask again. Only a process death between Flipkart's answer and that commit can repeat it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from sqlalchemy import select

from robnu.adapters.base import AdapterContext
from robnu.adapters.flipkart.client import ACTION_BATCH, FlipkartClient
from robnu.adapters.flipkart.mapping import fk_time
from robnu.adapters.processing import (
    TAX_INVOICE,
    BatchResult,
    ProcessingFlow,
    Scope,
    StageSpec,
    StepResult,
    aware,
    given_invoice_number,
    may_close_manifest,
    product_gst_rate,
)
from robnu.adapters.stock_check import stock_shortfall
from robnu.db.models import Order, OrderItem, Shipment
from robnu.db.processing_models import ProcessingBatch
from robnu.db.stock_models import Document
from robnu.domain.clock import IST
from robnu.domain.india import PincodeCheck, check_pincode_state, gstin_problem
from robnu.domain.statuses import OrderStatus

VALIDATE, PACK, PACKED, DOCUMENTS, RTD, MANIFEST = range(1, 7)

# §4 raw shipment statuses
APPROVED = "APPROVED"
PACKING = "PACKING_IN_PROGRESS"
FORM_FAILED = "FORM_FAILED"
PACKED_STATUS = "PACKED"
READY = "READY_TO_DISPATCH"
PAST_PACK = frozenset({PACKED_STATUS, READY, "PICKUP_COMPLETE", "SHIPPED", "DELIVERED", "COMPLETED"})
PAST_RTD = frozenset({READY, "PICKUP_COMPLETE", "SHIPPED", "DELIVERED", "COMPLETED"})

GST_SLABS = (0.0, 0.25, 3.0, 5.0, 12.0, 18.0, 28.0)
# modelled: orders carry no tax rate (the search shows GST-inclusive prices only): the product master's
# rate when the seller set one, else a rate derived from the synced tax amount, else this default.
DEFAULT_GST_RATE = 18.0
DEFAULT_INVOICE_PREFIX = "FK"  # the seller's Flipkart invoice series unless the account sets one
MANIFEST_ID = re.compile(r"Manifest(?: ID)?:\s*([A-Za-z0-9-]+)")


def _state(sh: dict[str, Any]) -> str:
    """The shipment's raw status: its least advanced live item (every item cancelled: CANCELLED)."""
    statuses = [str(i.get("status")) for i in sh.get("orderItems") or [] if isinstance(i, dict)]
    live = [s for s in statuses if s != "CANCELLED"]
    order = [APPROVED, PACKING, FORM_FAILED, PACKED_STATUS, READY, "PICKUP_COMPLETE", "SHIPPED", "DELIVERED"]
    if not live:
        return "CANCELLED"
    return min(live, key=lambda s: order.index(s) if s in order else -1)


def gst_rate(item: OrderItem, product_rate: Decimal | None = None) -> float:
    if product_rate is not None:
        return float(product_rate)
    taxable = item.line_total - item.tax_amount
    if item.tax_amount > 0 and taxable > 0:
        rate = float(item.tax_amount / taxable * 100)
        return min(GST_SLABS, key=lambda slab: abs(slab - rate))
    return DEFAULT_GST_RATE


def manifest_id(pdf: bytes) -> str | None:
    """The manifest id printed on Flipkart's manifest PDF (the API answers only the PDF, §8).
    Modelled on the sandbox's layout ("Manifest: MNF..."); ``None`` when it cannot be read."""
    try:
        text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages[:1])
    except (PdfReadError, ValueError):
        return None
    found = MANIFEST_ID.search(text)
    return found.group(1) if found else None


def _chunks(values: Sequence[str], size: int = ACTION_BATCH) -> Iterator[list[str]]:
    for n in range(0, len(values), size):
        yield list(values[n : n + size])


class FlipkartFlow(ProcessingFlow):
    stages = (
        StageSpec(VALIDATE, "validate", "confirm", Scope.ORDER),
        StageSpec(PACK, "pack (labels + invoice)", "confirm", Scope.BATCH),
        StageSpec(PACKED, "await packed", "confirm", Scope.BATCH),
        StageSpec(DOCUMENTS, "label + invoice documents", "documents", Scope.ORDER),
        StageSpec(RTD, "ready to dispatch", "dispatch", Scope.BATCH),
        StageSpec(MANIFEST, "manifest", "manifest", Scope.BATCH),
    )
    # APPROVED / PACKING_IN_PROGRESS / FORM_FAILED map to ACCEPTED; a held shipment is PENDING (§3: hold).
    eligible_statuses = frozenset({OrderStatus.ACCEPTED})

    def __init__(self, client: FlipkartClient) -> None:
        self.client = client

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _shipments(ctx: AdapterContext, order_ids: Iterable[int]) -> dict[int, list[Shipment]]:
        """Each order's live shipments (one per order in the sandbox; Flipkart may split, §3)."""
        out: dict[int, list[Shipment]] = {}
        ids = list(order_ids)
        if not ids:
            return out
        rows = ctx.session.execute(
            select(Shipment).where(Shipment.order_id.in_(ids), Shipment.status != "CANCELLED").order_by(Shipment.id)
        ).scalars()
        for sh in rows:
            out.setdefault(sh.order_id, []).append(sh)
        return out

    def _states(self, by_order: dict[int, list[Shipment]]) -> dict[str, dict[str, Any]]:
        return self.client.shipments_by_ids([sh.external_id for group in by_order.values() for sh in group])

    # ------------------------------------------------------------------ order stages
    def run_order_stage(self, ctx: AdapterContext, spec: StageSpec, order: Order) -> StepResult:
        if spec.number == VALIDATE:
            return self._validate(ctx, order)
        if spec.number == DOCUMENTS:
            return self._documents(ctx, order)
        raise NotImplementedError(spec.name)

    def _validate(self, ctx: AdapterContext, order: Order) -> StepResult:
        """product.md §2 checklist items 2-4, before anything is declared to Flipkart. The seller's GSTIN is
        checked when Robnu has one (the account's or the seller's): Flipkart keeps its own copy."""
        gstin = ctx.dispatch.seller_gstin
        if gstin is not None and (problem := gstin_problem(gstin)):
            return StepResult(held=f"seller GSTIN {gstin}: {problem}")
        if (
            order.ship_pincode
            and order.ship_state_code
            and check_pincode_state(order.ship_pincode, order.ship_state_code) is PincodeCheck.MISMATCH
        ):
            return StepResult(held=f"pincode {order.ship_pincode} does not belong to state {order.ship_state_code}")
        # Stock left after the seller's older unshipped orders (a SKU Robnu does not track is not checked).
        short = stock_shortfall(ctx.session, order, ctx.account.id)
        if short:
            return StepResult(held=short)
        if not self._shipments(ctx, [order.id]).get(order.id):
            return StepResult(held="no live shipment synced for this order")
        return StepResult(detail={"items": order.item_count})

    def _documents(self, ctx: AdapterContext, order: Order) -> StepResult:
        """Label (+ invoice) and customer-invoice PDFs, one row each per shipment, indexed by shipment."""
        assert ctx.services is not None
        s = ctx.session
        stored: list[int] = []
        for sh in self._shipments(ctx, [order.id]).get(order.id, []):
            have = set(
                s.execute(select(Document.doc_type).where(Document.shipment_id == sh.id, Document.order_id == order.id))
                .scalars()
                .all()
            )
            invoice_ref = given_invoice_number(s, order.id, TAX_INVOICE) or sh.external_id
            for doc_type, fetch, ref in (
                ("LABEL", self.client.label_pdf, sh.external_id),
                ("CUSTOMER_INVOICE", self.client.invoice_pdf, invoice_ref),
            ):
                if doc_type in have:
                    continue
                stored.append(
                    ctx.services.store_document(
                        s,
                        account=ctx.account,
                        doc_type=doc_type,
                        content=fetch(sh.external_id),
                        order_id=order.id,
                        shipment_id=sh.id,
                        external_ref=ref,
                    )
                )
        return StepResult(external_ref=",".join(map(str, stored)) or None, detail={"documents": len(stored)})

    # ------------------------------------------------------------------ batch stages
    def run_batch_stage(
        self, ctx: AdapterContext, spec: StageSpec, batch: ProcessingBatch, orders: list[Order]
    ) -> BatchResult:
        by_order = self._shipments(ctx, [o.id for o in orders])
        if spec.number == PACK:
            return self._pack(ctx, orders, by_order)
        if spec.number == PACKED:
            return self._await_packed(orders, by_order)
        if spec.number == RTD:
            return self._rtd(ctx, orders, by_order)
        if spec.number == MANIFEST:
            return self._manifest(ctx, batch, orders, by_order)
        raise NotImplementedError(spec.name)

    def _pack(self, ctx: AdapterContext, orders: list[Order], by_order: dict[int, list[Shipment]]) -> BatchResult:
        """The confirmation: declare invoice + tax rates and ask for labels, <= 25 shipments a call.

        Look first: a shipment no longer APPROVED was packed already (an earlier run that crashed, or
        Seller Hub) and is not sent again. A per-shipment FAILURE holds that order only (§7).
        """
        now = ctx.clock.now()
        states = self._states(by_order)
        result = BatchResult()
        entries: list[dict[str, Any]] = []
        owner: dict[str, int] = {}
        invoices: dict[str, str] = {}
        already = 0
        for order in orders:
            for sh in by_order.get(order.id, []):
                current = states.get(sh.external_id)
                state = _state(current) if current else "MISSING"
                if state == "CANCELLED":
                    result.held[order.id] = "cancelled on Flipkart before packing"
                elif state == "MISSING":
                    result.held[order.id] = f"shipment {sh.external_id} not found on Flipkart"
                elif state != APPROVED:
                    already += 1  # packed before (re-run after a crash, or Seller Hub): not sent again
                elif current is not None and current.get("hold"):
                    result.held[order.id] = "Flipkart holds the shipment (COD / address / fraud check)"
                else:
                    assert ctx.services is not None
                    number = ctx.services.invoice_number(
                        ctx.session,
                        ctx.account,
                        order.id,
                        kind=TAX_INVOICE,
                        prefix=ctx.dispatch.invoice_prefix or DEFAULT_INVOICE_PREFIX,
                        issued_at=now,
                    )
                    owner[sh.external_id] = order.id
                    invoices[sh.external_id] = number
                    entries.append(self._pack_entry(ctx, order, sh, current or {}, number, now))
        for n in range(0, len(entries), ACTION_BATCH):
            chunk = entries[n : n + ACTION_BATCH]
            answers = self.client.pack(chunk)
            for entry in chunk:
                sid = str(entry["shipmentId"])
                answer = answers.get(sid) or {"status": "FAILURE", "errorMessage": "no answer for this shipment"}
                if answer["status"] != "SUCCESS":
                    result.held[owner[sid]] = f"pack refused: {answer.get('errorCode')}: {answer.get('errorMessage')}"
        result.external_ref = f"packed {len(entries) - len(result.held)}"
        result.detail = {"sent": len(entries), "already_packed": already, "invoices": invoices}
        return result

    def _pack_entry(
        self, ctx: AdapterContext, order: Order, sh: Shipment, current: dict[str, Any], number: str, now: datetime
    ) -> dict[str, Any]:
        items = {
            i.external_id: i
            for i in ctx.session.execute(select(OrderItem).where(OrderItem.order_id == order.id)).scalars()
        }
        tax_items = []
        for raw in current.get("orderItems") or []:
            if not isinstance(raw, dict) or raw.get("status") == "CANCELLED":
                continue
            item = items.get(str(raw.get("orderItemId")))
            tax_items.append(
                {
                    "orderItemId": str(raw.get("orderItemId")),
                    "taxRate": gst_rate(item, product_gst_rate(ctx.session, order.seller_id, item.sku))
                    if item is not None
                    else DEFAULT_GST_RATE,
                    "quantity": int(raw.get("quantity") or 1),
                }
            )
        return {
            "shipmentId": sh.external_id,
            "locationId": self.client.location_id,
            "taxItems": tax_items,
            "invoices": [{"orderId": order.external_id, "invoiceDate": fk_time(now), "invoiceNumber": number}],
            "ignoreWarning": False,
        }

    def _await_packed(self, orders: list[Order], by_order: dict[int, list[Shipment]]) -> BatchResult:
        """Packing is asynchronous (5-10 s typical, up to 30 min, §3): an order whose shipment is still
        PACKING_IN_PROGRESS waits at this stage (the engine holds it after the account's maximum wait)
        while the packed ones go on. FORM_FAILED needs the seller's state-form ack number (§7
        ``forms/updateAck``), which Robnu cannot invent: that order is held for the seller."""
        states = self._states(by_order)
        result = BatchResult()
        for order in orders:
            for sh in by_order.get(order.id, []):
                current = states.get(sh.external_id)
                state = _state(current) if current else "MISSING"
                if state in (PACKING, APPROVED):
                    result.waiting[order.id] = f"shipment {sh.external_id} is {state} at Flipkart"
                elif state == FORM_FAILED:
                    result.held[order.id] = "FORM_FAILED: the state e-way/compliance form needs an ack number"
                elif state not in PAST_PACK:
                    result.held[order.id] = f"shipment {sh.external_id} is {state} after packing"
        result.detail = {"held": len(result.held), "packing": len(result.waiting)}
        return result

    def _rtd(self, ctx: AdapterContext, orders: list[Order], by_order: dict[int, list[Shipment]]) -> BatchResult:
        """Ready-to-dispatch, <= 25 a call; only shipments still PACKED are sent (look first)."""
        now = ctx.clock.now()
        states = self._states(by_order)
        result = BatchResult()
        send: list[str] = []
        owner: dict[str, int] = {}
        late = 0
        for order in orders:
            for sh in by_order.get(order.id, []):
                current = states.get(sh.external_id)
                state = _state(current) if current else "MISSING"
                if state == PACKED_STATUS:
                    send.append(sh.external_id)
                    owner[sh.external_id] = order.id
                    if sh.dispatch_by is not None and now > sh.dispatch_by:
                        late += 1  # Flipkart accepts it and records an SLA breach (§8)
                elif state not in PAST_RTD:
                    result.held[order.id] = f"shipment {sh.external_id} is {state}; expected PACKED"
        for chunk in _chunks(send):
            for sid, answer in self.client.mark_rtd(chunk).items():
                if answer["status"] != "SUCCESS" and sid in owner:
                    result.held[owner[sid]] = f"RTD refused: {answer.get('errorCode')}: {answer.get('errorMessage')}"
        result.external_ref = f"rtd {len(send)}"
        result.detail = {"sent": len(send), "late": late}
        return result

    def _manifest(
        self, ctx: AdapterContext, batch: ProcessingBatch, orders: list[Order], by_order: dict[int, list[Shipment]]
    ) -> BatchResult:
        """The manifest, when the closure policy says so (product.md §3); after the cut-off it is still
        generated (it counts as next-day dispatch) and flagged ``late``."""
        assert ctx.services is not None
        s = ctx.session
        now = ctx.clock.now()
        cutoff = aware(batch.cutoff_at)
        if not may_close_manifest(ctx, batch):
            return BatchResult(deferred=True, detail={"policy": batch.closure_policy})
        shipments = [sh for o in orders for sh in by_order.get(o.id, [])]
        recorded = {
            d.shipment_id: d
            for d in s.execute(
                select(Document).where(
                    Document.doc_type == "MANIFEST", Document.shipment_id.in_([sh.id for sh in shipments])
                )
            ).scalars()
        }
        if shipments and all(sh.id in recorded for sh in shipments):
            ref = recorded[shipments[0].id].external_ref  # asked before a crash: not asked again
            return BatchResult(external_ref=ref, detail={"shipments": len(shipments), "reused": True})
        groups = self.client.handover_counts()
        if not groups:
            return BatchResult(held={o.id: "not ready to dispatch on Flipkart: no manifest" for o in orders})
        refs: list[str] = []
        for group in groups:
            pdf = self.client.manifest_pdf(
                str(group.get("vendorGroupCode")), group.get("pickUpDate") or {}, mps=bool(group.get("isMps"))
            )
            ref = manifest_id(pdf) or f"{group.get('vendorGroupCode')}-{now.astimezone(IST):%Y%m%d%H%M}"
            refs.append(ref)
            # modelled: one vendor group (EKART) in the sandbox, so every shipment of the batch is on it
            for sh in shipments:
                if sh.id not in recorded:
                    ctx.services.store_document(
                        s,
                        account=ctx.account,
                        doc_type="MANIFEST",
                        content=pdf,
                        order_id=sh.order_id,
                        shipment_id=sh.id,
                        external_ref=ref,
                    )
            s.commit()  # record before anything else can fail: the manifest is not asked for twice
        return BatchResult(
            external_ref=refs[0] if refs else None,
            detail={"manifests": refs, "shipments": len(shipments), "late": now > cutoff},
        )
