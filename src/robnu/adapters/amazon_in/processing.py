"""Amazon India full processing (issue 5): the seller-fulfilled (MFN, own carrier) flow on the engine.

Stage map (see docs/processing.md, "Amazon India"):

| # | stage                | scope | what it does                                                | Amazon call   |
|---|----------------------|-------|-------------------------------------------------------------|---------------|
| 1 | check at Amazon      | ORDER | still UNSHIPPED, MERCHANT-fulfilled, not Easy Ship           | getOrder 2026 |
| 2 | validate quantity    | ORDER | ordered quantity <= on hand, per SKU of the stock master     | local         |
| 3 | validate GSTIN       | ORDER | the seller's GSTIN: 15 characters, valid checksum            | local         |
| 4 | validate address     | ORDER | delivery pincode <-> state (india.md §6)                     | local         |
| 5 | pack: slip + invoice | ORDER | the package (Shipment row), packing slip, tax invoice PDFs   | local         |
| 6 | label                | ORDER | the carrier label PDF with the AWB                           | local         |
| 7 | confirm shipment     | BATCH | one confirmShipment per order; a refused line is held alone  | confirmShipment v0 |
| 8 | manifest             | BATCH | the handover manifest PDF, per closure policy and cut-off    | local         |

Idempotency: stages 1-4 are reads. Stages 5, 6 and 8 look for their document row (and Shipment row)
before creating it, and render deterministic PDFs (fixed creation date), so a re-run stores nothing
twice. Stage 7 is not idempotent at Amazon: it reads the order's packages first (getOrder PACKAGES)
and skips an order that already carries our packageReferenceId.

modelled (marked ``modelled:`` below):
* Easy Ship (Amazon schedules the pickup, prints label and invoice) and FBA orders are out of this
  flow: stage 1 SKIPS them with the reason and their free-tier slot is given back.
* The seller's own carrier (default ``Delhivery``) and its AWB: Robnu has no carrier booking, so the
  AWB is derived from the account and order ids. Options: ``carrier_code``, ``carrier_name``.
* The GST rate when the product master has none: the apparel slab from 22 Sep 2025 (5 % up to
  INR 2,500 a piece, 18 % above; prices are GST-inclusive).
The invoice number is the next in the seller's consecutive series (``AZ/26-27/000001``, or the account's
prefix), given once per order. The seller's GSTIN: the one configured in Robnu (account or seller), else
Amazon's MERCHANT tax registration on getOrder (includedData TAX), read at stage 1 and kept in its
processing_steps detail. Closure policies and cut-offs are the account's dispatch settings
(``may_close_manifest``); a manifest after the batch's cut-off is still made, and marked late.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from robnu.adapters.amazon_in.client import AmazonClient
from robnu.adapters.amazon_in.mapping import api_time
from robnu.adapters.base import AdapterContext
from robnu.adapters.errors import MarketplaceRequestError
from robnu.adapters.pdf import render_pdf
from robnu.adapters.processing import (
    TAX_INVOICE,
    BatchResult,
    ProcessingFlow,
    Scope,
    StageSpec,
    StepResult,
    may_close_manifest,
    product_gst_rate,
)
from robnu.adapters.stock_check import stock_shortfall, untracked_skus
from robnu.db.models import Order, OrderItem, Shipment
from robnu.db.processing_models import ProcessingBatch, ProcessingStep
from robnu.db.stock_models import Document
from robnu.domain.clock import IST
from robnu.domain.india import GST_STATE_CODES, PincodeCheck, check_pincode_state, gstin_problem
from robnu.domain.statuses import OrderStatus, ShipmentStatus

CHECK, QUANTITY, GSTIN, ADDRESS, PACK, LABEL, CONFIRM, MANIFEST = range(1, 9)
STAGES = (
    StageSpec(CHECK, "check at Amazon", "confirm", Scope.ORDER),
    StageSpec(QUANTITY, "validate quantity", "confirm", Scope.ORDER),
    StageSpec(GSTIN, "validate GSTIN", "confirm", Scope.ORDER),
    StageSpec(ADDRESS, "validate address", "confirm", Scope.ORDER),
    StageSpec(PACK, "pack: slip + invoice", "documents", Scope.ORDER),
    StageSpec(LABEL, "label", "documents", Scope.ORDER),
    StageSpec(CONFIRM, "confirm shipment", "dispatch", Scope.BATCH),
    StageSpec(MANIFEST, "manifest", "dispatch", Scope.BATCH),
)
CHECK_DATA = ("FULFILLMENT", "PACKAGES", "TAX")
DEFAULT_INVOICE_PREFIX = "AZ"  # the seller's Amazon invoice series unless the account sets one
DEFAULT_CARRIER = "Delhivery"  # modelled: the seller's own carrier account
SLIP, INVOICE, LABEL_DOC, MANIFEST_DOC = "SLIP", "CUSTOMER_INVOICE", "LABEL", "MANIFEST"
PAISE = Decimal("0.01")


class AmazonFlow(ProcessingFlow):
    stages = STAGES
    # NEW = UNSHIPPED at Amazon (mapping.ORDER_STATUS): the orders waiting for the seller.
    eligible_statuses = frozenset({OrderStatus.NEW})

    def __init__(self, client: AmazonClient) -> None:
        self.client = client

    # ------------------------------------------------------------------ order stages
    def run_order_stage(self, ctx: AdapterContext, spec: StageSpec, order: Order) -> StepResult:
        if spec.number == CHECK:
            return self._check(order)
        if spec.number == QUANTITY:
            return _quantity(ctx, order)
        if spec.number == GSTIN:
            return _gstin(ctx, order)
        if spec.number == ADDRESS:
            return _address(order)
        if spec.number == PACK:
            return _pack(ctx, order)
        if spec.number == LABEL:
            return _label(ctx, order)
        raise NotImplementedError(spec.name)

    def _check(self, order: Order) -> StepResult:
        raw = self.client.get_order(order.external_id, CHECK_DATA)
        fulfillment = raw.get("fulfillment") or {}
        status = str(fulfillment.get("fulfillmentStatus") or "")
        programs = set(raw.get("programs") or ())
        if fulfillment.get("fulfilledBy") == "AMAZON" or "DELIVERY_BY_AMAZON" in programs:
            return StepResult(skip="fulfilled by Amazon (FBA): nothing for the seller to ship")
        if "AMAZON_EASY_SHIP" in programs:
            # modelled: Easy Ship pickups, labels and invoices are Amazon's; not in this flow yet
            return StepResult(skip="Easy Ship order: Amazon schedules the pickup (not in this flow)")
        if status != "UNSHIPPED":
            return StepResult(held=f"order is {status or 'of unknown status'} at Amazon, not UNSHIPPED")
        ship_by = (fulfillment.get("shipByWindow") or {}).get("latestDateTime")
        merchant = next(
            (
                r
                for r in (raw.get("tax") or {}).get("taxRegistrations") or ()
                if isinstance(r, dict) and r.get("entityType") == "MERCHANT"
            ),
            {},
        )
        detail = {
            "status": status,
            "ship_by": ship_by,
            "seller_gstin": merchant.get("taxRegistrationNumber"),
            "seller_name": merchant.get("legalName"),
        }
        return StepResult(external_ref=order.external_id, detail=detail)

    # ------------------------------------------------------------------ batch stages
    def run_batch_stage(
        self, ctx: AdapterContext, spec: StageSpec, batch: ProcessingBatch, orders: list[Order]
    ) -> BatchResult:
        if spec.number == CONFIRM:
            return self._confirm(ctx, orders)
        if spec.number == MANIFEST:
            return self._manifest(ctx, batch, orders)
        raise NotImplementedError(spec.name)

    def _confirm(self, ctx: AdapterContext, orders: list[Order]) -> BatchResult:
        """One confirmShipment per order. Look first: an order whose packages already carry our
        packageReferenceId was confirmed by an earlier (crashed) run and is not sent again. A 4xx for
        one order holds that order only; anything else (outage) raises and the stage re-runs later."""
        held: dict[int, str] = {}
        sent: list[str] = []
        already: list[str] = []
        for order in orders:
            shipment = _shipment(ctx, order)
            if shipment is None:
                held[order.id] = "no package: the pack stage did not run"
                continue
            try:
                raw = self.client.get_order(order.external_id, CHECK_DATA)
                if any(str(p.get("packageReferenceId")) == shipment.external_id for p in raw.get("packages") or ()):
                    already.append(order.external_id)
                    continue
                items = _items(ctx, order)
                self.client.confirm_shipment(
                    order.external_id,
                    {
                        "packageReferenceId": shipment.external_id,
                        "carrierCode": shipment.courier or DEFAULT_CARRIER,
                        "carrierName": shipment.courier or DEFAULT_CARRIER,
                        "shippingMethod": "Standard",
                        "trackingNumber": shipment.awb,
                        "shipDate": api_time(ctx.clock.now()),
                        "orderItems": [{"orderItemId": i.external_id, "quantity": i.quantity} for i in items],
                    },
                )
            except MarketplaceRequestError as exc:
                held[order.id] = f"Amazon refused the shipment confirmation: {exc}"
                continue
            sent.append(order.external_id)
            shipment.status, shipment.raw_status = ShipmentStatus.SHIPPED, "CONFIRMED"
            shipment.shipped_at = shipment.updated_at = ctx.clock.now()
        return BatchResult(
            external_ref=f"confirmed {len(sent) + len(already)}",
            held=held,
            detail={"sent": sent, "already_confirmed": already, "held": len(held)},
        )

    def _manifest(self, ctx: AdapterContext, batch: ProcessingBatch, orders: list[Order]) -> BatchResult:
        now = ctx.clock.now()
        cutoff = _aware(batch.cutoff_at)
        if not may_close_manifest(ctx, batch):
            return BatchResult(deferred=True, detail={"policy": batch.closure_policy})
        ref = f"AMZ-MAN-{batch.ist_day}-{batch.batch_no}-{ctx.account.id}"
        late = now > cutoff
        existing = _document(ctx, MANIFEST_DOC, external_ref=ref)
        if existing is None:
            rows = []
            for order in orders:
                shipment = _shipment(ctx, order)
                rows.append(
                    [
                        order.external_id,
                        (shipment.awb or "") if shipment else "",
                        (shipment.courier or "") if shipment else "",
                        str(order.item_count),
                        "COD" if order.is_cod else "Prepaid",
                    ]
                )
            content = render_pdf(
                "Handover manifest",
                [
                    ("Manifest", ref),
                    ("Seller", ctx.account.display_name),
                    ("Batch", f"{batch.ist_day} #{batch.batch_no} ({batch.closure_policy})"),
                    ("Cut-off", cutoff.astimezone(IST).strftime("%d-%m-%Y %H:%M IST")),
                    ("Closed", now.astimezone(IST).strftime("%d-%m-%Y %H:%M IST") + (" LATE" if late else "")),
                    ("Shipments", str(len(rows))),
                ],
                [["Order", "AWB", "Carrier", "Units", "Payment"], *sorted(rows)],
                created=cutoff,
            )
            assert ctx.services is not None
            ctx.services.store_document(
                ctx.session, account=ctx.account, doc_type=MANIFEST_DOC, content=content, external_ref=ref
            )
        return BatchResult(
            external_ref=ref, detail={"orders": len(orders), "late": late, "policy": batch.closure_policy}
        )


# ---------------------------------------------------------------------- local stages
def _quantity(ctx: AdapterContext, order: Order) -> StepResult:
    """Ordered quantity <= the stock left after the seller's older unshipped orders (``adapters.stock_check``);
    a SKU outside the stock master has nothing to count against and is reported."""
    short = stock_shortfall(ctx.session, order, ctx.account.id)
    if short:
        return StepResult(held=short)
    unchecked = untracked_skus(ctx.session, order, ctx.account.id)
    return StepResult(detail={"not_in_stock_master": unchecked} if unchecked else {})


def _facts(ctx: AdapterContext, order: Order) -> dict[str, Any]:
    """What stage 1 read at Amazon for this order (its processing_steps detail)."""
    detail = ctx.session.execute(
        select(ProcessingStep.detail)
        .where(ProcessingStep.order_id == order.id, ProcessingStep.stage == CHECK, ProcessingStep.outcome == "DONE")
        .order_by(ProcessingStep.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    value = json.loads(detail) if detail else {}
    return value if isinstance(value, dict) else {}


def seller_gstin(ctx: AdapterContext, order: Order) -> str | None:
    """The seller's GSTIN: the one configured in Robnu, else Amazon's MERCHANT tax registration."""
    value = ctx.dispatch.seller_gstin or _facts(ctx, order).get("seller_gstin")
    return str(value).strip().upper() if value else None


def _gstin(ctx: AdapterContext, order: Order) -> StepResult:
    gstin = seller_gstin(ctx, order)
    if gstin is None:
        return StepResult(held="the seller's GSTIN is not configured (needed on the tax invoice)")
    problem = gstin_problem(gstin)
    if problem:
        return StepResult(held=f"seller GSTIN {gstin}: {problem}")
    return StepResult(external_ref=gstin)


def _address(order: Order) -> StepResult:
    if not order.ship_pincode or not order.ship_state_code:
        return StepResult(held="delivery address has no pincode or state")
    check = check_pincode_state(order.ship_pincode, order.ship_state_code)
    if check is PincodeCheck.MISMATCH:
        return StepResult(held=f"pincode {order.ship_pincode} does not belong to state {order.ship_state_code}")
    return StepResult(detail={"pincode_check": str(check)})


def package_reference(order: Order) -> str:
    """Our packageReferenceId (numeric, unique per account since order ids are)."""
    return f"{order.id:010d}"


def awb_for(ctx: AdapterContext, order: Order) -> str:
    return f"RB{ctx.account.id:04d}{order.id:09d}"  # modelled: no carrier booking API in Robnu yet


def _pack(ctx: AdapterContext, order: Order) -> StepResult:
    shipment = _shipment(ctx, order)
    now = ctx.clock.now()
    if shipment is None:
        carrier = str(ctx.options.get("carrier_name") or ctx.options.get("carrier_code") or DEFAULT_CARRIER)
        shipment = Shipment(
            seller_id=order.seller_id,
            marketplace_account_id=order.marketplace_account_id,
            order_id=order.id,
            external_id=package_reference(order),
            source_updated_at=now,
            status=ShipmentStatus.PACKED,
            raw_status="PACKED",
            awb=awb_for(ctx, order),
            courier=carrier,
            dispatch_by=order.dispatch_by,
            created_at=now,
            updated_at=now,
        )
        ctx.session.add(shipment)
        ctx.session.flush()
    items = _items(ctx, order)
    assert ctx.services is not None
    if _document(ctx, SLIP, order_id=order.id) is None:
        slip = render_pdf(
            "Packing slip",
            [
                ("Amazon order", order.external_id),
                ("Package", shipment.external_id),
                ("AWB", shipment.awb or ""),
                ("Ship to", f"{order.ship_city or ''} {order.ship_pincode or ''} ({_state(order.ship_state_code)})"),
            ],
            [["SKU", "Item", "Qty"], *[[i.sku, (i.title or "")[:40], str(i.quantity)] for i in items]],
            created=order.ordered_at,
        )
        ctx.services.store_document(
            ctx.session,
            account=ctx.account,
            doc_type=SLIP,
            content=slip,
            order_id=order.id,
            shipment_id=shipment.id,
            external_ref=f"SLIP-{shipment.external_id}",
        )
    number = ctx.services.invoice_number(
        ctx.session,
        ctx.account,
        order.id,
        kind=TAX_INVOICE,
        prefix=ctx.dispatch.invoice_prefix or DEFAULT_INVOICE_PREFIX,
        issued_at=ctx.clock.now(),
    )
    if _document(ctx, INVOICE, order_id=order.id) is None:
        ctx.services.store_document(
            ctx.session,
            account=ctx.account,
            doc_type=INVOICE,
            content=_invoice_pdf(ctx, order, items, number),
            order_id=order.id,
            shipment_id=shipment.id,
            external_ref=number.replace("/", "-"),
        )
    return StepResult(external_ref=shipment.external_id, detail={"invoice": number, "awb": shipment.awb})


def _label(ctx: AdapterContext, order: Order) -> StepResult:
    shipment = _shipment(ctx, order)
    if shipment is None:
        return StepResult(held="no package: the pack stage did not run")
    if _document(ctx, LABEL_DOC, order_id=order.id) is None:
        content = render_pdf(
            "Shipping label",
            [
                ("Carrier", shipment.courier or DEFAULT_CARRIER),
                ("AWB", shipment.awb or ""),
                ("Amazon order", order.external_id),
                ("Package", shipment.external_id),
                ("Deliver to", f"{order.ship_city or ''} {order.ship_pincode or ''} ({_state(order.ship_state_code)})"),
                ("Payment", f"COD INR {order.order_total:.2f}" if order.is_cod else "Prepaid"),
                ("Units", str(order.item_count)),
            ],
            created=order.ordered_at,
        )
        assert ctx.services is not None
        ctx.services.store_document(
            ctx.session,
            account=ctx.account,
            doc_type=LABEL_DOC,
            content=content,
            order_id=order.id,
            shipment_id=shipment.id,
            external_ref=f"LABEL-{shipment.awb}",
        )
    return StepResult(external_ref=shipment.awb)


# ---------------------------------------------------------------------- invoice
def gst_rate(unit_price: Decimal, product_rate: Decimal | None = None) -> Decimal:
    if product_rate is not None:
        return Decimal(product_rate)
    return Decimal(5 if unit_price <= 2500 else 18)  # modelled: the apparel slab from 22 Sep 2025 (india.md §3)


def _invoice_pdf(ctx: AdapterContext, order: Order, items: list[OrderItem], number: str) -> bytes:
    facts = _facts(ctx, order)
    gstin = seller_gstin(ctx, order) or ""
    seller_state = gstin[:2]
    intra = seller_state == (order.ship_state_code or "")
    rows: list[list[str]] = [["SKU", "HSN", "Qty", "Taxable", "Rate", "CGST", "SGST", "IGST", "Total"]]
    grand = Decimal("0.00")
    for item in items:
        total = Decimal(item.line_total).quantize(PAISE, ROUND_HALF_UP)
        rate = gst_rate(Decimal(item.unit_price), product_gst_rate(ctx.session, order.seller_id, item.sku))
        taxable = (total * 100 / (100 + rate)).quantize(PAISE, ROUND_HALF_UP)
        tax = total - taxable
        half = (tax / 2).quantize(PAISE, ROUND_HALF_UP)
        cgst, sgst, igst = (half, tax - half, Decimal("0.00")) if intra else (Decimal("0.00"), Decimal("0.00"), tax)
        grand += total
        rows.append(
            [
                item.sku,
                item.hsn or "-",
                str(item.quantity),
                f"{taxable}",
                f"{rate.normalize():f}%",
                f"{cgst}",
                f"{sgst}",
                f"{igst}",
                f"{total}",
            ]
        )
    return render_pdf(
        "Tax invoice",
        [
            ("Invoice number", number),
            ("Invoice date", ctx.clock.now().astimezone(IST).strftime("%d-%m-%Y")),
            ("Supplier", str(facts.get("seller_name") or ctx.account.display_name)),
            ("Supplier GSTIN", gstin),
            ("Amazon order", order.external_id),
            ("Ship to", f"{order.ship_city or ''} {order.ship_pincode or ''}"),
            ("Place of supply", _state(order.ship_state_code)),
            ("Tax", "CGST + SGST (intra-state)" if intra else "IGST (inter-state)"),
            ("Invoice total", f"INR {grand}"),
        ],
        rows,
        created=order.ordered_at,
    )


# ---------------------------------------------------------------------- helpers


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _state(code: str | None) -> str:
    return f"{GST_STATE_CODES.get(code or '', 'unknown')} ({code or '?'})"


def _items(ctx: AdapterContext, order: Order) -> list[OrderItem]:
    return list(
        ctx.session.execute(select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.id)).scalars()
    )


def _shipment(ctx: AdapterContext, order: Order) -> Shipment | None:
    return ctx.session.execute(
        select(Shipment).where(
            Shipment.marketplace_account_id == order.marketplace_account_id,
            Shipment.external_id == package_reference(order),
        )
    ).scalar_one_or_none()


def _document(
    ctx: AdapterContext, doc_type: str, *, order_id: int | None = None, external_ref: str | None = None
) -> Document | None:
    query = select(Document).where(Document.marketplace_account_id == ctx.account.id, Document.doc_type == doc_type)
    if order_id is not None:
        query = query.where(Document.order_id == order_id)
    if external_ref is not None:
        query = query.where(Document.external_ref == external_ref)
    return ctx.session.execute(query.limit(1)).scalar_one_or_none()
