"""Seller actions with AJIO's checks: acknowledge or cancel, manifests, RTO receipts and quality checks. The B2B
invoice checks are in ``invoice_checks.py``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from robnu.sandbox.ajio.book import Book
from robnu.sandbox.ajio.catalog import stable_rng
from robnu.sandbox.ajio.errors import field_error
from robnu.sandbox.ajio.lifecycle import PICKUP, QC_CODES
from robnu.sandbox.ajio.model import (
    CANCELLED,
    CONFIRMED,
    DISPATCHED,
    PACKED,
    PENDENCY,
    R_DELIVERED,
    READY_TO_DISPATCH,
    RTO,
    Manifest,
    Order,
    QcResult,
    Return,
)
from robnu.sandbox.ajio.money import ist_at, ist_date
from robnu.sandbox.ajio.world import AjioWorld

Err = dict[str, Any]


# ------------------------------------------------------------------ ack / cancel
def check_order_action(book: Book, body: Any, path: str, now: int, draw: Counter[str]) -> list[Err]:
    """Every problem of one ``POST /orders`` body; ``draw`` accumulates inventory across a batch."""
    if not isinstance(body, dict):
        return [field_error(path, "INVALID_STATUS", "order entry must be an object")]
    order = book.by_id.get(str(body.get("order_id")))
    if order is None:
        return [field_error(f"{path}.order_id", "ORDER_NOT_FOUND", f"order {body.get('order_id')} not found")]
    status = body.get("status")
    if status not in ("Acknowledge", "Cancel"):
        return [field_error(f"{path}.status", "INVALID_STATUS", "status must be Acknowledge or Cancel")]
    _ts, st, note = order.state_at(now)
    if st == CANCELLED and note.startswith("CUSTOMER"):
        return [field_error(path, "CUSTOMER_CANCELLED", f"order {order.order_id} was cancelled by the customer")]
    if st != PENDENCY:
        return [field_error(path, "ORDER_NOT_PENDING", f"order {order.order_id} is {st}, not in pendency")]
    errors: list[Err] = []
    lines = {ln.order_item_id: ln for ln in order.lines}
    seen: set[str] = set()
    raw_lines = body.get("order_lines")
    if not isinstance(raw_lines, list):
        return [field_error(f"{path}.order_lines", "QTY_MISMATCH", "order_lines must be a list")]
    for i, raw in enumerate(raw_lines):
        where = f"{path}.order_lines[{i}]"
        item = str(raw.get("order_item_id")) if isinstance(raw, dict) else ""
        if item in seen:
            errors.append(field_error(where, "DUPLICATE_LINE", f"order_item_id {item} repeated"))
            continue
        seen.add(item)
        ln = lines.get(item)
        if ln is None or not isinstance(raw, dict):
            errors.append(field_error(where, "ORDER_NOT_FOUND", f"order_item_id {item} is not in the order"))
            continue
        conf, canc = raw.get("confirmed_quantity", 0), raw.get("cancelled_quantity", 0)
        if not (isinstance(conf, int) and isinstance(canc, int)) or conf < 0 or canc < 0 or conf + canc != ln.qty:
            errors.append(
                field_error(where, "QTY_MISMATCH", f"confirmed + cancelled must equal ordered quantity {ln.qty}")
            )
            continue
        if status == "Cancel" and conf:
            errors.append(field_error(where, "QTY_MISMATCH", "a Cancel must confirm 0"))
            continue
        draw[ln.sku] += conf
        if draw[ln.sku] > book.account.inventory.get(ln.sku, 0):
            errors.append(
                field_error(
                    where,
                    "QTY_EXCEEDS_INVENTORY",
                    f"{ln.sku}: {draw[ln.sku]} requested, {book.account.inventory.get(ln.sku, 0)} available",
                )
            )
    for item in lines.keys() - seen:
        errors.append(field_error(f"{path}.order_lines", "QTY_MISMATCH", f"line {item} missing"))
    return errors


def apply_order_action(
    world: AjioWorld, book: Book, body: dict[str, Any], now: int, via: str, batch_ref: str | None = None
) -> dict[str, Any]:
    order = book.by_id[str(body["order_id"])]
    qty = {
        str(r["order_item_id"]): (int(r.get("confirmed_quantity", 0)), int(r.get("cancelled_quantity", 0)))
        for r in body["order_lines"]
    }
    confirmed_any = body["status"] == "Acknowledge" and any(c for c, _ in qty.values())
    for ln in order.lines:
        conf, canc = qty[ln.order_item_id]
        ln.seller_cancelled = canc if confirmed_any else ln.qty
        book.account.inventory[ln.sku] -= conf if confirmed_any else 0
    if confirmed_any:
        if any(canc for _, canc in qty.values()):
            order.seller_cancel_at = now  # a partial seller cancellation still costs the penalty [modelled]
        world.life.confirm(book, order, now)
        world.life.play(book, order, CONFIRMED, now, now)
        kind = "acknowledgements"
    else:
        order.seller_cancel_at = now
        world.stop(book, order, CANCELLED, "SELLER:" + str(body.get("reason") or "SELLER_CANCELLED"), now)
        kind = "cancels"
    lines_out = [
        {
            "order_item_id": k,
            "confirmed_quantity": c if confirmed_any else 0,
            "cancelled_quantity": x if confirmed_any else c + x,
        }
        for k, (c, x) in qty.items()
    ]
    book.record(
        kind,
        {
            "order_id": order.order_id,
            "status": body["status"],
            "order_lines": lines_out,
            "at": now,
            "via": via,
            "batch_ref": batch_ref,
        },
    )
    return {
        "order_id": order.order_id,
        "order_lines": lines_out,
        "order_status": "Acknowledge" if confirmed_any else "Cancel",
    }


# --------------------------------------------------------------------- manifest
def check_manifest(book: Book, courier: Any, ids: Any, now: int) -> list[Err]:
    if not isinstance(ids, list) or not ids or not isinstance(courier, str):
        return [field_error("shipment_ids", "VALIDATION_ERROR", "courier_name and shipment_ids are required")]
    if len(ids) > 250:
        return [field_error("shipment_ids", "TOO_MANY_SHIPMENTS", f"{len(ids)} shipments; at most 250")]
    errors: list[Err] = []
    seen: set[str] = set()
    for i, sid in enumerate(ids):
        where = f"shipment_ids[{i}]"
        order = book.by_id.get(str(sid))
        if order is None:
            errors.append(field_error(where, "SHIPMENT_NOT_PACKED", f"{sid} is not a shipment of this POB"))
            continue
        st = order.state_at(now)[1]
        if str(sid) in seen or (order.manifest_id and st != PACKED):
            errors.append(field_error(where, "ALREADY_MANIFESTED", f"{sid} is already on {order.manifest_id}"))
        elif st != PACKED:
            errors.append(field_error(where, "SHIPMENT_NOT_PACKED", f"{sid} is {st}"))
        elif order.invoice is None or now < order.invoice.label_ready_at:
            errors.append(field_error(where, "LABEL_NOT_READY", f"{sid}: label not ready"))
        elif order.carrier != courier:
            errors.append(field_error(where, "MIXED_COURIERS", f"{sid} ships with {order.carrier}, not {courier}"))
        seen.add(str(sid))
    return errors


def create_manifest(world: AjioWorld, book: Book, courier: str, ids: list[str], now: int) -> Manifest:
    man = world.life.new_manifest(book, courier, now, ist_at(ist_date(now), *PICKUP), seller=True)
    for sid in ids:
        order = book.by_id[sid]
        man.shipment_ids.append(sid)
        order.manifest_id = man.manifest_id
        if order.dispatch_by is not None and now > order.dispatch_by:
            order.late_manifest_at = now
        order.set_events([e for e in order.events if e[0] <= now] + [(now, READY_TO_DISPATCH, man.manifest_id)])
        world.life.play(book, order, DISPATCHED, max(man.pickup_at, now + 1), now)
    book.record(
        "manifests",
        {
            "manifest_id": man.manifest_id,
            "courier_name": courier,
            "shipment_ids": list(ids),
            "at": now,
            "late": man.late,
        },
    )
    return man


def cancel_manifest(world: AjioWorld, book: Book, man: Manifest, now: int) -> None:
    man.cancelled_at = now
    for sid in man.shipment_ids:
        order = book.by_id[sid]
        order.manifest_id = None
        world.stop(book, order, PACKED, "MANIFEST_CANCELLED", now)
    book.record("manifest_cancels", {"manifest_id": man.manifest_id, "at": now})


def pickup(world: AjioWorld, book: Book, man: Manifest, missing: list[str], now: int) -> None:
    """Control plane: the courier scans now; ``missing`` stay READY_TO_DISPATCH."""
    man.pickup_at = now
    man.missing = [s for s in man.shipment_ids if s in set(missing)]
    for sid in man.shipment_ids:
        order = book.by_id[sid]
        if order.state_at(now)[1] != READY_TO_DISPATCH:
            continue
        if sid in man.missing:
            order.set_events([e for e in order.events if e[0] <= now])
            world.life.reindex(book, order)
        else:
            world.life.play(book, order, DISPATCHED, now, now)
            if sid not in man.picked_up:
                man.picked_up.append(sid)


# ---------------------------------------------------------------------- returns
def generate_rto(world: AjioWorld, book: Book, order: Order, received_at: int, now: int) -> Return:
    """VMS RTO generation: the return starts in DELIVERED_TO_SELLER; AJIO's expectation attaches later."""
    planned = next(
        (book.returns_by_id[r] for r in order.return_ids if book.returns_by_id[r].return_type == "RTO"), None
    )
    world.stop(book, order, RTO, "RTO:SELLER_REPORTED", now)
    rng = stable_rng(world.seed, order.order_id, "rto", now)
    ret = world.life.new_return(book, order, "RTO", now, "OTHER", rng, now, seller=True)
    if planned is not None:  # the expectation AJIO would have sent attaches to the same return id
        order.return_ids[order.return_ids.index(ret.return_id)] = planned.return_id
        book.returns_by_id.pop(ret.return_id)
        ret.return_id = planned.return_id
        book.returns_by_id[ret.return_id] = ret
    ret.set_events([(now, R_DELIVERED, f"received_at={received_at}")])
    world.life.reindex(book, order)
    return ret


def check_qc(ret: Return, results: Any, now: int) -> list[Err]:
    st = ret.state_at(now)[1]
    if ret.qc_at is not None:
        return [field_error("qc_results", "QC_ALREADY_SUBMITTED", "submitted QC is final")]
    if st != R_DELIVERED:
        return [field_error("return_id", "RETURN_NOT_DELIVERED", f"return is {st}, not DELIVERED_TO_SELLER")]
    if not isinstance(results, list):
        return [field_error("qc_results", "VALIDATION_ERROR", "qc_results must be a list")]
    units = {(item, u) for item, qty, _ in ret.lines for u in range(1, qty + 1)}
    errors: list[Err] = []
    seen: set[tuple[str, int]] = set()
    for i, r in enumerate(results):
        where = f"qc_results[{i}]"
        key = (str(r.get("order_item_id")), r.get("unit_index")) if isinstance(r, dict) else ("", 0)
        if key not in units or key in seen:
            errors.append(field_error(where, "INVALID_UNIT", f"unit {key} is not a returned unit or repeats"))
            continue
        seen.add((key[0], int(key[1] or 0)))
        code, status = r.get("qc_code"), r.get("qc_status")
        if code not in QC_CODES:
            errors.append(field_error(f"{where}.qc_code", "INVALID_QC_CODE", f"unknown QC code {code}"))
        elif status != ("PASS" if str(code).startswith("P") else "FAIL"):
            errors.append(field_error(f"{where}.qc_status", "QC_STATUS_MISMATCH", f"{code} is not {status}"))
    if not errors and seen != units:
        errors.append(field_error("qc_results", "QC_INCOMPLETE", "one entry per returned unit is required"))
    return errors


def submit_qc(world: AjioWorld, book: Book, ret: Return, results: list[dict[str, Any]], now: int) -> None:
    qc = [
        QcResult(
            str(r["order_item_id"]),
            int(r["unit_index"]),
            str(r["qc_status"]),
            str(r["qc_code"]),
            str(r.get("remarks") or ""),
        )
        for r in results
    ]
    rng = stable_rng(world.seed, ret.return_id, "qc", now)
    ret.set_events([e for e in ret.events if e[0] <= now] + world.life.qc_events(ret, qc, now, rng))
    world.life.reindex(book, book.orders[ret.order_key])
    book.record("qc", {"return_id": ret.return_id, "qc_results": results, "at": now})


def decide_dispute(world: AjioWorld, book: Book, ret: Return, decision: str, now: int) -> bool:
    if ret.dispute_decided_at is None or ret.dispute_decided_at <= now:
        return False
    ret.dispute_decision = decision
    ret.dispute_decided_at = now
    ret.set_events([e for e in ret.events if e[0] <= now] + [(now, "CLOSED", "DISPUTE")])
    world.life.reindex(book, book.orders[ret.order_key])
    return True
