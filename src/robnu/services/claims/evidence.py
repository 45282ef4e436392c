"""The evidence packet of a claim, assembled from what Robnu already keeps: a ZIP with a summary PDF, the order's
stored documents (invoice, packing slip, label, the manifest it went out on), the AWB trail of every leg, the
SLA watchdog's history of its dispatch batch, the receive scans of its returns (or that there were none), and
the statement lines the marketplace paid for the order. Stored as a document and linked to the claim."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from robnu.adapters.pdf import render_pdf
from robnu.db.claims_models import ReturnAwb, ReturnClaim, ReturnClaimEvidence, ReturnScanEvent
from robnu.db.dispatch_models import SlaEvent
from robnu.db.models import (
    Marketplace,
    MarketplaceAccount,
    MarketplacePayout,
    Order,
    OrderReturn,
    PayoutLineItem,
    Shipment,
)
from robnu.db.money_models import Adjustment
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.db.stock_models import Document
from robnu.domain.deductions import CATALOGUE, ReasonCode
from robnu.domain.errors import RobnuError
from robnu.domain.money import rupees
from robnu.services.documents import read_document, store_document
from robnu.services.returns.lifecycle import events as return_events
from robnu.services.storage import Storage

PACKET = "EVIDENCE_PACKET"


def _csv(header: list[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, datetime) else v) for v in row])
    return out.getvalue().encode()


def _order_documents(s: Session, order: Order | None) -> list[Document]:
    if order is None:
        return []
    shipments = select(Shipment.id).where(Shipment.order_id == order.id)
    docs = list(
        s.scalars(
            select(Document)
            .where(or_(Document.order_id == order.id, Document.shipment_id.in_(shipments)), Document.doc_type != PACKET)
            .order_by(Document.id)
        ).all()
    )
    manifests = s.scalars(
        select(ProcessingBatch.manifest_ref)
        .join(OrderProcessing, OrderProcessing.batch_id == ProcessingBatch.id)
        .where(OrderProcessing.order_id == order.id, ProcessingBatch.manifest_ref.is_not(None))
    ).all()
    if manifests:
        docs += s.scalars(
            select(Document).where(
                Document.marketplace_account_id == order.marketplace_account_id,
                Document.doc_type == "MANIFEST",
                Document.external_ref.in_(list(manifests)),
                Document.order_id.is_(None),
            )
        ).all()
    return docs


def _sla_rows(s: Session, order: Order | None) -> list[list[object]]:
    if order is None:
        return []
    batches = s.scalars(
        select(ProcessingBatch)
        .join(OrderProcessing, OrderProcessing.batch_id == ProcessingBatch.id)
        .where(OrderProcessing.order_id == order.id)
    ).all()
    rows: list[list[object]] = []
    for b in batches:
        rows.append([b.id, "BATCH", b.ist_day, b.cutoff_at, b.status, b.manifest_ref, "", ""])
        for e in s.scalars(select(SlaEvent).where(SlaEvent.batch_id == b.id).order_by(SlaEvent.occurred_at)):
            rows.append(
                [b.id, "SLA_EVENT", e.occurred_at, e.deadline, e.band, e.headroom_pct, e.open_orders, e.message]
            )
    return rows


def build_packet(s: Session, storage: Storage, claim: ReturnClaim, now: datetime) -> bytes:
    """The packet's bytes (a ZIP)."""
    adjustment = s.get(Adjustment, claim.adjustment_id) if claim.adjustment_id else None
    order = s.get(Order, claim.order_id) if claim.order_id else None
    account = s.get(MarketplaceAccount, claim.marketplace_account_id)
    assert account is not None
    code = s.scalar(select(Marketplace.code).where(Marketplace.id == account.marketplace_id)) or "?"
    returns = list(s.scalars(select(OrderReturn).where(OrderReturn.order_id == order.id)).all()) if order else []
    if claim.return_id and not any(r.id == claim.return_id for r in returns):
        extra = s.get(OrderReturn, claim.return_id)
        returns += [extra] if extra else []
    shipments = list(s.scalars(select(Shipment).where(Shipment.order_id == order.id)).all()) if order else []
    lines = (
        s.execute(
            select(MarketplacePayout.external_id, PayoutLineItem)
            .join(MarketplacePayout, MarketplacePayout.id == PayoutLineItem.payout_id)
            .where(PayoutLineItem.order_id == order.id)
            .order_by(PayoutLineItem.occurred_at, PayoutLineItem.id)
        ).all()
        if order
        else []
    )
    reason = _reason_title(claim.reason_code)
    scans = (
        list(
            s.scalars(
                select(ReturnScanEvent)
                .where(ReturnScanEvent.return_id.in_([r.id for r in returns]))
                .order_by(ReturnScanEvent.id)
            ).all()
        )
        if returns
        else []
    )
    fields = [
        ("Claim", f"{claim.reference} ({claim.status})"),
        ("Marketplace", f"{code}, account {account.external_account_id}"),
        ("Order", order.external_id if order else "-"),
        ("Returns", ", ".join(f"{r.external_id} ({r.kind}, {r.raw_status})" for r in returns) or "-"),
        ("Reason", f"{claim.reason_code}: {reason}"),
        ("Amount claimed", rupees(claim.amount_claimed)),
    ]
    if adjustment is not None:
        fields += [
            ("Expected", rupees(adjustment.expected_amount or Decimal(0))),
            ("Paid", rupees(adjustment.actual_amount or Decimal(0))),
            ("Difference found", f"{adjustment.detail.splitlines()[0] if adjustment.detail else ''}"),
        ]
    fields.append(("Receive scans", f"{len(scans)}" if scans else "none recorded"))
    table = [["payout", "line", "type", "amount"]] + [
        [payout, ln.external_id[-28:], ln.raw_type or ln.line_type, str(ln.amount.quantize(Decimal("0.01")))]
        for payout, ln in lines
    ]
    created = claim.created_at
    files: dict[str, bytes] = {
        "summary.pdf": render_pdf(f"Dispute {claim.reference}", fields, table if lines else None, created=created),
        "statement_lines.csv": _csv(
            ["payout", "line", "line_type", "raw_type", "order_item", "amount", "occurred_at"],
            [
                [p, ln.external_id, ln.line_type, ln.raw_type, ln.order_item_external_id, ln.amount, ln.occurred_at]
                for p, ln in lines
            ],
        ),
        "awb_trail.csv": _csv(
            ["leg", "id", "awb", "courier", "status", "dispatch_by", "shipped_at", "delivered_at"],
            [
                [
                    "FORWARD",
                    sh.external_id,
                    sh.awb,
                    sh.courier,
                    sh.status,
                    sh.dispatch_by,
                    sh.shipped_at,
                    sh.delivered_at,
                ]
                for sh in shipments
            ]
            + [
                [f"RETURN:{a.leg}", r.external_id, a.awb, a.courier, r.raw_status, "", "", ""]
                for r in returns
                for a in s.scalars(select(ReturnAwb).where(ReturnAwb.return_id == r.id))
            ]
            + [
                [f"EVENT:{e.kind}", r.external_id, "", e.actor, e.status, e.at, "", e.detail]
                for r in returns
                for e in return_events(s, r.id)
            ],
        ),
        "sla_history.csv": _csv(
            ["batch", "kind", "at", "deadline", "band_or_status", "headroom_or_manifest", "open_orders", "message"],
            _sla_rows(s, order),
        ),
        "scan_events.csv": _csv(
            ["return", "scanned_at", "code", "mode", "matched_on", "first", "damage_note", "warehouse", "actor"],
            [
                [
                    sc.return_id,
                    sc.scanned_at,
                    sc.code,
                    sc.mode,
                    sc.matched_on,
                    sc.first,
                    sc.damage_note,
                    sc.warehouse,
                    sc.actor,
                ]
                for sc in scans
            ]
            or [["-", now, "", "", "", "", f"no receive scan recorded as of {now.isoformat()}", "", ""]],
        ),
    }
    for doc in _order_documents(s, order):
        try:
            files[f"documents/{doc.doc_type.lower()}-{doc.id}{_ext(doc.content_type)}"] = read_document(s, storage, doc)
        except (OSError, RobnuError):  # missing or damaged: the packet says so rather than failing
            files[f"documents/{doc.doc_type.lower()}-{doc.id}.missing.txt"] = (
                f"not found in storage: {doc.storage_key}".encode()
            )
    index = "\n".join(f"{name}  ({len(data)} bytes)" for name, data in sorted(files.items()))
    files["README.txt"] = f"Evidence packet {claim.reference}, assembled {now.isoformat()}\n\n{index}\n".encode()
    buf = io.BytesIO()
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            zf.writestr(zipfile.ZipInfo(name, date_time=stamp), files[name])
    return buf.getvalue()


def _reason_title(code: str) -> str:
    try:
        return CATALOGUE[ReasonCode(code)].title
    except ValueError:
        return ""


def _ext(content_type: str) -> str:
    return {"application/pdf": ".pdf", "application/zip": ".zip", "text/csv": ".csv"}.get(content_type, ".bin")


def assemble(s: Session, storage: Storage, claim: ReturnClaim, now: datetime, kind: str = "PACKET") -> Document:
    """Build the packet, store it as a new version and link it to the claim."""
    version = 1 + int(
        s.scalar(select(func.count()).select_from(ReturnClaimEvidence).where(ReturnClaimEvidence.claim_id == claim.id))
        or 0
    )
    doc = store_document(
        s,
        storage,
        seller_id=claim.seller_id,
        account_id=claim.marketplace_account_id,
        doc_type=PACKET,
        content=build_packet(s, storage, claim, now),
        now=now,
        order_id=claim.order_id,
        external_ref=f"{claim.reference}-v{version}",
        content_type="application/zip",
    )
    s.add(
        ReturnClaimEvidence(seller_id=claim.seller_id, claim_id=claim.id, document_id=doc.id, kind=kind, created_at=now)
    )
    s.flush()
    return doc


def latest_packet(s: Session, claim_id: int) -> Document | None:
    return s.scalars(
        select(Document)
        .join(ReturnClaimEvidence, ReturnClaimEvidence.document_id == Document.id)
        .where(ReturnClaimEvidence.claim_id == claim_id)
        .order_by(Document.id.desc())
        .limit(1)
    ).first()
