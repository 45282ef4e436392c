"""Meesho full processing (issue 5): accept, label + tax invoice, archive, manifest. Runs on the engine
in ``robnu.adapters.processing``.

Meesho publishes no seller API; every call here is the modelled API of reference meesho.md §6-§7, and the
stage map below is our design [modelled]:

| # | stage | scope | what | Meesho call |
|---|---|---|---|---|
| 1 | check stock | ORDER | confirmed quantity <= on-hand stock of the seller SKU (when Robnu tracks it) | local |
| 2 | check address | ORDER | buyer pincode matches the buyer state (india.md §6) | local |
| 3 | accept | BATCH | the confirmation: per-item results; a refused line is held | POST /v1/sub-orders/accept |
| 4 | label | ORDER | Meesho assigns courier + AWB and issues the tax invoice | POST /v1/labels |
| 5 | archive label | ORDER | wait READY; label + tax-invoice PDF stored by order/shipment | GET /v1/labels/{id}(/pdf) |
| 6 | manifest | BATCH | one per courier (<= 100), PDF archived; closure policy, cut-off | POST /v1/manifests |

Idempotency towards Meesho: every stage reads the sub-order first (status, ``shipping.label_id``,
``shipping.manifest_id``) and only sends what is still missing, and every POST carries a deterministic
Idempotency-Key (replayed for 24 h, §2), so a stage re-run after a crash never accepts, labels (= a new
invoice) or manifests a sub-order twice, and never stores a document twice.

Meesho has no ready-to-dispatch call: the manifest plus the courier's pickup scan is the dispatch (§7).
Meesho prints the seller's GSTIN on its own tax invoice, so there is no seller-side GSTIN stage here.
"""

from __future__ import annotations

import hashlib
import time as systime
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from robnu.adapters.base import AdapterContext
from robnu.adapters.errors import MarketplaceRequestError, TransientMarketplaceError
from robnu.adapters.meesho.client import MeeshoClient
from robnu.adapters.processing import (
    BatchResult,
    ProcessingFlow,
    Scope,
    StageSpec,
    StepResult,
    may_close_manifest,
)
from robnu.adapters.stock_check import stock_shortfall
from robnu.db.models import Order, Shipment
from robnu.db.processing_models import ProcessingBatch
from robnu.db.stock_models import Document
from robnu.domain.india import PincodeCheck, check_pincode_state
from robnu.domain.statuses import OrderStatus

ACCEPT_BATCH = 50  # §6: <= 50 sub-orders per accept call
MANIFEST_BATCH = 100  # §7: <= 100 sub-orders per manifest, one courier
LABEL_POLLS = 6  # GET /v1/labels/{id} until READY (0 s delay in the sandbox); then the run resumes later

STAGES = (
    StageSpec(1, "check stock", "confirm", Scope.ORDER),
    StageSpec(2, "check address", "confirm", Scope.ORDER),
    StageSpec(3, "accept", "confirm", Scope.BATCH),
    StageSpec(4, "label", "documents", Scope.ORDER),
    StageSpec(5, "archive label", "documents", Scope.ORDER),
    StageSpec(6, "manifest", "manifest", Scope.BATCH),
)


def _key(kind: str, nos: Sequence[str]) -> str:
    """A deterministic Idempotency-Key (<= 64 chars): the same work sends the same key."""
    digest = hashlib.sha256("|".join(sorted(nos)).encode()).hexdigest()[:40]
    return f"robnu-{kind}-{digest}"


class MeeshoFlow(ProcessingFlow):
    """Meesho's flow: PENDING (or already accepted) sub-orders -> accepted -> labelled -> manifested."""

    stages = STAGES
    # PENDING -> NEW; READY_TO_SHIP without a label -> ACCEPTED (accepted in the panel or by ACCEPT_ALWAYS).
    eligible_statuses = frozenset({OrderStatus.NEW, OrderStatus.ACCEPTED})

    def __init__(
        self,
        client_factory: Callable[[AdapterContext], MeeshoClient] = MeeshoClient,
        *,
        sleep: Callable[[float], None] = systime.sleep,
    ) -> None:
        self._client_factory = client_factory
        self._client: MeeshoClient | None = None
        self._sleep = sleep
        self.label_polls = LABEL_POLLS

    @classmethod
    def for_context(cls, ctx: AdapterContext) -> MeeshoFlow:
        """Options: ``label_polls`` (how often to look for a READY label before leaving it to the next run).
        The closure policy and cut-offs are the account's dispatch settings (``ctx.dispatch``)."""
        flow = cls()
        flow.label_polls = int(ctx.options.get("label_polls", LABEL_POLLS))
        return flow

    def client(self, ctx: AdapterContext) -> MeeshoClient:
        if self._client is None:
            self._client = self._client_factory(ctx)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # ------------------------------------------------------------------ order stages
    def run_order_stage(self, ctx: AdapterContext, spec: StageSpec, order: Order) -> StepResult:
        if spec.number == 1:
            return self._check_stock(ctx, order)
        if spec.number == 2:
            return _check_address(order)
        try:
            if spec.number == 4:
                return self._label(ctx, order)
            if spec.number == 5:
                return self._archive_label(ctx, order)
        except MarketplaceRequestError as exc:  # a 4xx Meesho will answer again (e.g. 404): hold this order only
            return StepResult(held=f"Meesho refused: {exc.code or exc.http_status}")
        raise NotImplementedError(spec.name)

    def _check_stock(self, ctx: AdapterContext, order: Order) -> StepResult:
        """Confirmed quantity <= the stock left after the seller's older unshipped orders, on any marketplace
        (``adapters.stock_check``). [modelled] A SKU Robnu does not track passes (Meesho's own
        ACCEPT_BY_INVENTORY check still applies at acceptance)."""
        short = stock_shortfall(ctx.session, order, ctx.account.id)
        return StepResult(held=short) if short else StepResult()

    def _label(self, ctx: AdapterContext, order: Order) -> StepResult:
        """Generate the label (Meesho assigns courier + AWB and issues the tax invoice, §7). Look first: a
        sub-order that already has a label keeps it (re-labelling would only make a new label id). The
        label job runs asynchronously; the next stage waits for it, so every label of the batch is asked
        for before the first wait."""
        client = self.client(ctx)
        no = order.external_id
        sub = client.sub_order(no)
        status = str(sub.get("status"))
        if status != "READY_TO_SHIP":
            return StepResult(held=f"Meesho status {status}: cannot be labelled")
        label_id = (sub.get("shipping") or {}).get("label_id")
        if not label_id:
            created = client.create_label([no], _key("label", [no]))
            result: dict[str, Any] = next((r for r in created.get("results") or [] if r.get("sub_order_no") == no), {})
            if result.get("status") != "QUEUED" or not created.get("label_id"):
                return StepResult(held=f"label refused: {result.get('error_code') or 'FAILED'}")
            label_id = str(created["label_id"])
        return StepResult(external_ref=str(label_id))

    def _ready_label(self, client: MeeshoClient, label_id: str) -> dict[str, Any] | None:
        for attempt in range(max(1, self.label_polls)):
            label = client.label(label_id)
            if label.get("status") == "READY":
                return label
            if label.get("status") == "FAILED":
                raise TransientMarketplaceError(f"Meesho label {label_id} failed")
            if attempt + 1 < self.label_polls:
                self._sleep(0.1 * (attempt + 1))
        return None  # not ready yet: the order waits at this stage for the next run (the label is not re-sent)

    def _archive_label(self, ctx: AdapterContext, order: Order) -> StepResult:
        """Wait for the label job, download the PDF (a 4x6 label page + a tax-invoice page, §7) and store it
        against the order and its shipment; the shipment learns its courier and AWB. The sub-order's
        current ``label_id`` is the newest label, the only one valid for packing (product.md §5)."""
        assert ctx.services is not None
        client = self.client(ctx)
        s = ctx.session
        sub = client.sub_order(order.external_id)
        shipping = sub.get("shipping") or {}
        label_id = shipping.get("label_id")
        if not label_id:
            return StepResult(held="Meesho shows no label for this sub-order")
        shipment = s.execute(
            select(Shipment).where(Shipment.order_id == order.id, Shipment.external_id == order.external_id)
        ).scalar_one_or_none()
        if shipment is not None:
            shipment.awb = shipping.get("awb") or shipment.awb
            shipment.courier = shipping.get("courier") or shipment.courier
        label = self._ready_label(client, str(label_id))
        if label is None:
            return StepResult(waiting=f"Meesho label {label_id} not ready")
        item: dict[str, Any] = next(
            (i for i in label.get("items") or [] if i.get("sub_order_no") == order.external_id), {}
        )
        detail = {k: item.get(k) for k in ("courier", "awb", "invoice_no", "invoice_date")}
        doc_id = _document_id(ctx, "LABEL", str(label_id), order.id)
        if doc_id is None:
            pdf = client.pdf("getLabelPdf", f"/v1/labels/{label_id}/pdf")
            doc_id = ctx.services.store_document(
                s,
                account=ctx.account,
                doc_type="LABEL",
                content=pdf,
                order_id=order.id,
                shipment_id=shipment.id if shipment is not None else None,
                external_ref=str(label_id),
            )
        return StepResult(external_ref=str(label_id), detail={"document_id": doc_id, **detail})

    # ------------------------------------------------------------------ batch stages
    def run_batch_stage(
        self, ctx: AdapterContext, spec: StageSpec, batch: ProcessingBatch, orders: list[Order]
    ) -> BatchResult:
        if spec.number == 3:
            return self._accept(ctx, orders)
        if spec.number == 6:
            return self._manifest(ctx, batch, orders)
        raise NotImplementedError(spec.name)

    def _accept(self, ctx: AdapterContext, orders: list[Order]) -> BatchResult:
        """Accept what is still PENDING; already READY_TO_SHIP is accepted (by us before a crash, in the
        panel, or by ACCEPT_ALWAYS). Per-item failures hold that line only (§6: not all-or-nothing)."""
        client = self.client(ctx)
        held: dict[int, str] = {}
        by_no = {o.external_id: o for o in orders}
        pending: list[str] = []
        already = 0
        for no, order in by_no.items():
            sub = _look(client, no)
            if isinstance(sub, str):
                held[order.id] = sub
                continue
            status = str(sub.get("status"))
            if status == "PENDING":
                pending.append(no)
            elif status == "READY_TO_SHIP":
                already += 1
            else:
                held[order.id] = f"Meesho status {status}: cannot be accepted"
        accepted = 0
        for at in range(0, len(pending), ACCEPT_BATCH):
            chunk = pending[at : at + ACCEPT_BATCH]
            answered = {str(r.get("sub_order_no")): r for r in client.accept(chunk, _key("accept", chunk))}
            for no in chunk:
                result = answered.get(no)
                if result is None:
                    raise TransientMarketplaceError(f"Meesho did not report sub-order {no} on accept")
                if result.get("status") == "ACCEPTED":
                    accepted += 1
                elif result.get("current_status") == "READY_TO_SHIP":
                    already += 1
                else:
                    held[by_no[no].id] = f"accept refused: {result.get('error_code') or 'FAILED'}"
        return BatchResult(
            external_ref=f"accepted {accepted}",
            held=held,
            detail={"accepted": accepted, "already_accepted": already, "held": len(held)},
        )

    def _manifest(self, ctx: AdapterContext, batch: ProcessingBatch, orders: list[Order]) -> BatchResult:
        """Hand the batch over: one manifest per courier (§7 MIXED_COURIERS), <= 100 each.

        Closure policy [inferred, product.md §3]: IMMEDIATE closes now; DELAYED waits for cut-off - 30 min
        (late additions still make it); MANUAL waits for the user (``may_close_manifest``). Past the
        sub-order's ``sla_deadline`` Meesho charges late dispatch: the manifest is still made (holding
        it would become an auto-cancel), and the late sub-orders are reported.
        """
        now = ctx.clock.now()
        if not may_close_manifest(ctx, batch):
            return BatchResult(deferred=True)
        client = self.client(ctx)
        held: dict[int, str] = {}
        manifests: list[str] = []
        by_courier: dict[str, list[str]] = {}
        by_no = {o.external_id: o for o in orders}
        for no, order in by_no.items():
            sub = _look(client, no)
            if isinstance(sub, str):
                held[order.id] = sub
                continue
            shipping = sub.get("shipping") or {}
            if shipping.get("manifest_id"):  # manifested before a crash (or by hand): keep it
                if shipping["manifest_id"] not in manifests:
                    manifests.append(str(shipping["manifest_id"]))
                continue
            status = str(sub.get("status"))
            if status != "READY_TO_SHIP" or not shipping.get("label_id"):
                held[order.id] = f"Meesho status {status}: cannot be manifested"
                continue
            by_courier.setdefault(str(shipping.get("courier") or ""), []).append(no)
        for courier in sorted(by_courier):
            nos = by_courier[courier]
            for at in range(0, len(nos), MANIFEST_BATCH):
                chunk = nos[at : at + MANIFEST_BATCH]
                try:
                    made = client.create_manifest(chunk, _key("manifest", chunk))
                except MarketplaceRequestError as exc:  # 422 INVALID_STATE etc.: hold these lines, go on
                    for no in chunk:
                        held[by_no[no].id] = f"manifest refused: {exc.code or exc.http_status}"
                    continue
                manifests.append(str(made["manifest_id"]))
        documents = [self._archive_manifest(ctx, client, m) for m in manifests]
        late = sorted(
            o.external_id
            for o in orders
            if o.id not in held and o.dispatch_by is not None and now > o.dispatch_by  # §7 late-dispatch penalty
        )
        return BatchResult(
            external_ref=",".join(manifests)[:100] or None,
            held=held,
            detail={
                "manifests": manifests,
                "documents": documents,
                "late_dispatch": late,
                "policy": batch.closure_policy,
            },
        )

    def _archive_manifest(self, ctx: AdapterContext, client: MeeshoClient, manifest_id: str) -> int:
        assert ctx.services is not None
        found = _document_id(ctx, "MANIFEST", manifest_id, None)
        if found is not None:
            return found
        pdf = client.pdf("getManifestPdf", f"/v1/manifests/{manifest_id}/pdf")
        return ctx.services.store_document(
            ctx.session, account=ctx.account, doc_type="MANIFEST", content=pdf, external_ref=manifest_id
        )


def _look(client: MeeshoClient, sub_order_no: str) -> dict[str, Any] | str:
    """The sub-order as Meesho has it now, or why it cannot be read (a permanent 4xx holds that line;
    a transient error stops the run, which resumes at this stage)."""
    try:
        return client.sub_order(sub_order_no)
    except MarketplaceRequestError as exc:
        return f"Meesho refused: {exc.code or exc.http_status}"


def _check_address(order: Order) -> StepResult:
    """Buyer pincode <-> state (india.md §6). Meesho exposes city, state and pincode only (§5)."""
    if not order.ship_pincode or not order.ship_state_code:
        return StepResult(held="address: pincode or state missing")
    check = check_pincode_state(order.ship_pincode, order.ship_state_code)
    if check is PincodeCheck.MISMATCH:
        return StepResult(held=f"address: pincode {order.ship_pincode} is not in state {order.ship_state_code}")
    return StepResult(detail={"pincode": check.value})


def _document_id(ctx: AdapterContext, doc_type: str, external_ref: str, order_id: int | None) -> int | None:
    """A document already stored for this account (a stage re-run after a crash stores nothing twice)."""
    query = select(Document.id).where(
        Document.marketplace_account_id == ctx.account.id,
        Document.doc_type == doc_type,
        Document.external_ref == external_ref,
    )
    if order_id is not None:
        query = query.where(Document.order_id == order_id)
    return ctx.session.execute(query.limit(1)).scalar_one_or_none()
