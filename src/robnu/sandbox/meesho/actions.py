"""The seller's actions in the Meesho world: accept, cancel, labels, manifests, inventory, return receipts and
claims. Each validates against the sub-order's state on the clock and records what was pushed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.core import WorldCore
from robnu.sandbox.meesho.errors import fail
from robnu.sandbox.meesho.model import IST, Account, Claim, Label, Manifest, Return, SubOrder


class SellerActions(WorldCore):
    # ------------------------------------------------------------------ seller actions
    def accept(self, acct: Account, nos: list[str]) -> list[dict[str, Any]]:
        now = self.clock.now()
        results: list[dict[str, Any]] = []
        for no in nos:
            sub = acct.sub_orders.get(no)
            if sub is None or sub.created_at > now:
                results.append({"sub_order_no": no, "status": "FAILED", "error_code": "NOT_FOUND"})
                continue
            status, _ = self.status(sub, now)
            if status != "PENDING":
                results.append(
                    {
                        "sub_order_no": no,
                        "status": "FAILED",
                        "error_code": "INVALID_STATE",
                        "current_status": status,
                    }
                )
                continue
            product = acct.products[sub.sku]
            if acct.acceptance_mode == "ACCEPT_BY_INVENTORY":
                if product.stock < sub.quantity:
                    results.append({"sub_order_no": no, "status": "FAILED", "error_code": "INSUFFICIENT_INVENTORY"})
                    continue
                product.stock -= sub.quantity
            sub.accepted_at = now
            tl.rebuild(sub, acct)
            acct.push("accepts", {"sub_order_no": no, "at": now.isoformat()})
            results.append({"sub_order_no": no, "status": "ACCEPTED", "error_code": None})
        return results

    def cancel(self, acct: Account, nos: list[str], reason: str, remarks: str) -> list[dict[str, Any]]:
        now = self.clock.now()
        results: list[dict[str, Any]] = []
        for no in nos:
            sub = acct.sub_orders.get(no)
            if sub is None or sub.created_at > now:
                results.append({"sub_order_no": no, "status": "FAILED", "error_code": "NOT_FOUND"})
                continue
            status, _ = self.status(sub, now)
            if status not in ("PENDING", "READY_TO_SHIP"):
                results.append(
                    {
                        "sub_order_no": no,
                        "status": "FAILED",
                        "error_code": "INVALID_STATE",
                        "current_status": status,
                    }
                )
                continue
            sub.supplier_cancel = (now, reason, remarks)
            tl.rebuild(sub, acct)
            acct.push("cancels", {"sub_order_no": no, "reason": reason, "remarks": remarks, "at": now.isoformat()})
            results.append({"sub_order_no": no, "status": "CANCELLED", "error_code": None})
        return results

    def create_label(self, acct: Account, nos: list[str]) -> tuple[Label, list[dict[str, Any]]]:
        now = self.clock.now()
        results: list[dict[str, Any]] = []
        ok: list[SubOrder] = []
        for no in nos:
            sub = acct.sub_orders.get(no)
            if sub is None or sub.created_at > now:
                results.append({"sub_order_no": no, "status": "FAILED", "error_code": "NOT_FOUND"})
                continue
            status, _ = self.status(sub, now)
            if status != "READY_TO_SHIP":
                results.append(
                    {
                        "sub_order_no": no,
                        "status": "FAILED",
                        "error_code": "INVALID_STATE",
                        "current_status": status,
                    }
                )
                continue
            ok.append(sub)
            results.append({"sub_order_no": no, "status": "QUEUED", "error_code": None})
        warehouses = {s.warehouse_id for s in ok}
        if len(warehouses) > 1:
            raise fail(
                400,
                "VALIDATION_ERROR",
                {
                    "fields": [
                        {
                            "field": "sub_order_nos",
                            "issue": "all sub-orders of a label must share one warehouse_id",
                        }
                    ]
                },
            )
        label = self._new_label(acct, now, ok[0].warehouse_id if ok else "", [s.sub_order_no for s in ok])
        for sub in ok:
            self._assign_courier(acct, sub, now)
            sub.label_ids.append((now, label.label_id))
        acct.push(
            "labels",
            {"label_id": label.label_id, "sub_order_nos": label.sub_order_nos, "at": now.isoformat()},
        )
        return label, results

    def create_manifest(self, acct: Account, nos: list[str]) -> Manifest:
        now = self.clock.now()
        subs: list[SubOrder] = []
        for no in nos:
            sub = self.sub_order(acct, no)
            status, _ = self.status(sub, now)
            if status != "READY_TO_SHIP" or not any(t <= now for t, _ in sub.label_ids):
                raise fail(
                    422,
                    "INVALID_STATE",
                    {"sub_order_no": no, "current_status": status, "labelled": bool(sub.label_ids)},
                )
            if sub.manifest_id is not None:
                old = acct.manifests[sub.manifest_id]
                if no not in old.missing:
                    raise fail(409, "CONFLICT", {"sub_order_no": no, "manifest_id": old.manifest_id})
            subs.append(sub)
        couriers = sorted({s.courier or "" for s in subs})
        if len(couriers) > 1:
            raise fail(422, "MIXED_COURIERS", {"couriers": couriers})
        pickup = self.config.auto_pickup_seconds
        manifest = self._new_manifest(
            acct,
            couriers[0],
            subs[0].warehouse_id,
            now,
            [s.sub_order_no for s in subs],
            now + timedelta(seconds=pickup) if pickup is not None else None,
        )
        for sub in subs:
            sub.manifest_id = manifest.manifest_id
            tl.rebuild(sub, acct)
        acct.push(
            "manifests",
            {
                "manifest_id": manifest.manifest_id,
                "courier": manifest.courier,
                "sub_order_nos": manifest.sub_order_nos,
                "at": now.isoformat(),
            },
        )
        return manifest

    def update_inventory(self, acct: Account, items: list[Any]) -> list[dict[str, Any]]:
        now = self.clock.now()
        results: list[dict[str, Any]] = []
        for item in items:
            sku = item.get("sku") if isinstance(item, dict) else None
            qty = item.get("quantity") if isinstance(item, dict) else None
            product = acct.products.get(sku) if isinstance(sku, str) else None
            code: str | None = None
            if product is None:
                code = "UNKNOWN_SKU"
            elif not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
                code = "INVALID_QUANTITY"
            elif product.status == "PAUSED":
                code = "PRODUCT_PAUSED"
            if code is None and product is not None and isinstance(qty, int):
                product.stock = qty  # absolute, never a delta; 0 keeps the listing LIVE
                acct.push(
                    "inventory",
                    {
                        "sku": sku,
                        "quantity": qty,
                        "warehouse_id": item.get("warehouse_id"),
                        "at": now.isoformat(),
                    },
                )
            results.append({"sku": sku, "status": "FAILURE" if code else "SUCCESS", "error_code": code})
        return results

    def receive_return(self, acct: Account, ret: Return, body: dict[str, Any]) -> bool:
        """The supplier's receipt of a return; True when it changed anything (a same-body repeat is a no-op)."""
        now = self.clock.now()
        status = tl.return_status_at(ret, now)
        if status is None or status[0] not in ("RTO_DELIVERED", "DELIVERED_TO_SUPPLIER"):
            raise fail(422, "INVALID_STATE", {"current_status": status[0] if status else None})
        record = {k: body.get(k) for k in ("condition", "received_at", "remarks")}
        if ret.received is not None:
            if {k: ret.received.get(k) for k in record} == record:
                return False
            raise fail(409, "CONFLICT", {"reason": "the return was already received with a different body"})
        ret.received = {**record, "at": now}
        acct.push("returns_received", {"return_id": ret.return_id, **record, "at": now.isoformat()})
        acct.version += 1
        return True

    def claim_due_at(self, ret: Return) -> datetime | None:
        if ret.received is None or ret.received.get("condition") == "OK":
            return None
        delivered = next((t for t, s in ret.timeline() if s in ("RTO_DELIVERED", "DELIVERED_TO_SUPPLIER")), None)
        return delivered + timedelta(hours=48) if delivered else None

    def create_claim(self, acct: Account, ret: Return, body: dict[str, Any]) -> Claim:
        now = self.clock.now()
        due = self.claim_due_at(ret)
        if due is None:
            raise fail(422, "INVALID_STATE", {"reason": "receive the return with a non-OK condition first"})
        if now > due:
            raise fail(422, "CLAIM_WINDOW_CLOSED", {"claim_due_at": due.astimezone(IST).isoformat()})
        if ret.claim is not None:
            raise fail(409, "CONFLICT", {"claim_id": ret.claim.claim_id})
        ret.claim = Claim(
            f"CLM{acct.next_seq('claim'):08d}",
            str(body["claim_type"]),
            str(body.get("description", "")),
            [str(u) for u in body.get("evidence_urls", [])],
            now,
        )
        acct.push("claims", {"return_id": ret.return_id, "claim_id": ret.claim.claim_id, "at": now.isoformat()})
        acct.version += 1
        return ret.claim
