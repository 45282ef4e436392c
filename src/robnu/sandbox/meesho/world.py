"""The seeded Meesho world: suppliers, catalogue, sub-orders and their lifecycles, labels, manifests, returns.

Deterministic: the sandbox RNG is ``Random(seed ^ _SALT)``; each account's RNG is derived from the seed
and the supplier id with zlib.crc32, never ``hash()``. Business time comes only from the shared SandboxClock.
"""

from __future__ import annotations

import bisect
import gc
import random
import string
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from robnu.domain.india import make_gstin
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.catalog import make_catalog
from robnu.sandbox.meesho.errors import fail
from robnu.sandbox.meesho.model import (
    COURIERS,
    IST,
    Account,
    ApiKey,
    Claim,
    Label,
    Manifest,
    Plan,
    Return,
    SubOrder,
)
from robnu.sandbox.meesho.money import gst_rate_for
from robnu.sandbox.people import random_person

_SALT = 0x4D45_5348  # "MESH"
_RTO_REASONS = ("CUSTOMER_REFUSED", "CUSTOMER_UNAVAILABLE", "ADDRESS_ISSUE", "COD_NOT_READY", "OTHER")
_RETURN_REASONS = (
    "SIZE_ISSUE",
    "DEFECTIVE",
    "WRONG_ITEM",
    "QUALITY_ISSUE",
    "NOT_AS_DESCRIBED",
    "CHANGED_MIND",
    "OTHER",
)
_COURIER_WEIGHTS = (40, 20, 15, 15, 10)
CANCEL_REASONS = ("OUT_OF_STOCK", "DAMAGED_STOCK", "PRICING_ERROR", "OTHER")


@dataclass
class WorldConfig:
    label_delay_seconds: float = 0.0  # §7: labels turn READY after this (0 in tests)
    auto_pickup_seconds: float | None = 3 * 3600.0  # modelled: courier scans a manifest 3 h after it is created
    settlement_after_days: int = 7  # §9: delivered sub-orders become eligible after 7 days
    rto_forward_fee: bool = False  # §8: forward shipping not charged on RTO by default
    simulated_after_hours: float = 36.0  # generated orders older than this were handled by a simulated seller


class MeeshoWorld:
    def __init__(self, seed: int, clock: SandboxClock) -> None:
        self.seed = seed
        self.clock = clock
        self.config = WorldConfig()
        self._rng = random.Random(seed ^ _SALT)
        self.accounts: dict[str, Account] = {}
        self.key_index: dict[str, str] = {}  # api_key -> supplier_id

    # ------------------------------------------------------------------ accounts
    def create_account(self, **overrides: Any) -> Account:
        supplier_id = str(overrides.get("supplier_id") or self._rng.randrange(100000, 1000000))
        while supplier_id in self.accounts and "supplier_id" not in overrides:
            supplier_id = str(self._rng.randrange(100000, 1000000))
        if supplier_id in self.accounts:
            raise ValueError(f"supplier {supplier_id} exists")
        rng = random.Random((self.seed ^ _SALT) * 1_000_003 + zlib.crc32(supplier_id.encode()))
        person = random_person(rng)
        place = person.place
        pan = "".join(rng.choices(string.ascii_uppercase, k=3)) + "F" + rng.choice(string.ascii_uppercase)
        pan += f"{rng.randrange(10000):04d}" + rng.choice(string.ascii_uppercase)
        warehouses = list(overrides.get("warehouse_ids") or [f"WH-{place.city.upper().replace(' ', '')}-1"])
        acct = Account(
            supplier_id=supplier_id,
            name=str(overrides.get("name") or f"{person.name.split()[1]} Fashions"),
            gstin=make_gstin(place.state_code, pan),
            state_code=place.state_code,
            city=place.city,
            pincode=place.pincode,
            warehouse_ids=warehouses,
            keys=[],
            rng=rng,
            acceptance_mode=str(overrides.get("acceptance_mode", "ACCEPT_MANUALLY")),
            returns_assurance=bool(overrides.get("returns_assurance", False)),
        )
        acct.products = make_catalog(rng, warehouses[0] if warehouses else "")
        self.accounts[supplier_id] = acct
        key = ApiKey(
            str(overrides.get("api_key") or "mk_test_" + _alnum(rng, 6)),
            str(overrides.get("api_secret") or "msk_test_" + f"{rng.getrandbits(128):032x}"),
            created_at=self.clock.now(),
        )
        self._add_key(acct, key)
        return acct

    def _add_key(self, acct: Account, key: ApiKey) -> None:
        acct.keys.append(key)
        self.key_index[key.api_key] = acct.supplier_id

    def account(self, supplier_id: str) -> Account:
        acct = self.accounts.get(supplier_id)
        if acct is None:
            raise KeyError(supplier_id)
        return acct

    def rotate_key(self, acct: Account) -> ApiKey:
        """§3 key rotation: a second active key; the old one stays valid until ``retire_key``."""
        if sum(k.active for k in acct.keys) >= 2:
            raise fail(409, "CONFLICT", {"reason": "two keys are already active; retire one first"})
        key = ApiKey(
            "mk_test_" + _alnum(acct.rng, 6),
            "msk_test_" + f"{acct.rng.getrandbits(128):032x}",
            created_at=self.clock.now(),
        )
        self._add_key(acct, key)
        return key

    def retire_key(self, acct: Account, api_key: str) -> None:
        for key in acct.keys:
            if key.api_key == api_key:
                key.active = False
                return
        raise fail(404, "NOT_FOUND", {"api_key": api_key})

    def revoke(self, acct: Account) -> None:
        acct.revoked = True
        for key in acct.keys:
            key.active = False

    # ------------------------------------------------------------------ generation
    def generate_orders(self, acct: Account, count: int, *, days: float = 30) -> list[str]:
        """``count`` orders (of 1-3 sub-orders) created uniformly over the last ``days`` days."""
        now = self.clock.now()
        rng = acct.rng
        span = days * 86400.0
        created: list[str] = []
        stamps = sorted(now - timedelta(seconds=rng.random() * span) for _ in range(count))
        acct.__dict__["_live"] = [p for p in acct.products.values() if p.status == "LIVE"]
        acct.__dict__["_bulk"] = True  # append to by_created and sort once at the end
        # Generation allocates many long-lived objects and no garbage cycles: the cyclic collector would
        # rescan the growing heap again and again (about a third of the time for 100k orders).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            horizon = timedelta(hours=self.config.simulated_after_hours)
            for at in stamps:
                created += self._new_order(acct, at.replace(microsecond=0), (now - at) > horizon, {})
        finally:
            if gc_was_enabled:
                gc.enable()
            acct.__dict__.pop("_live", None)
            acct.__dict__.pop("_bulk", None)
            acct.by_created.sort()
        return created

    def create_order(self, acct: Account, options: dict[str, Any]) -> list[str]:
        """Control plane: one order now, optionally UNVERIFIED, HOLD or exchange, of ``items`` sub-orders."""
        nos = self._new_order(acct, self.clock.now().replace(microsecond=0), False, options)
        return nos

    def _new_order(self, acct: Account, at: datetime, simulated: bool, options: dict[str, Any]) -> list[str]:
        rng = acct.rng
        order_no = str(rng.randrange(10**17, 10**18))
        while order_no in acct.order_nos:
            order_no = str(rng.randrange(10**17, 10**18))
        acct.order_nos.add(order_no)
        person = random_person(rng)
        live = acct.__dict__.get("_live") or [p for p in acct.products.values() if p.status == "LIVE"]
        bulk = bool(acct.__dict__.get("_bulk"))
        roll = rng.random()
        n_items = int(options.get("items") or (1 if roll < 0.85 else 2 if roll < 0.97 else 3))
        payment = str(options.get("payment_mode") or ("COD" if rng.random() < 0.75 else "PREPAID"))
        customer = {
            "name": person.name,
            "phone": person.phone,
            "address_line1": person.address_line1,
            "city": person.place.city.upper(),
            "state": person.place.state.upper(),
            "state_code": person.place.state_code,
            "pincode": person.place.pincode,
        }
        nos: list[str] = []
        for n in range(1, n_items + 1):
            product = acct.products[options["sku"]] if options.get("sku") else rng.choice(live)
            plan = _draw_plan(rng, payment, simulated)
            if "unverified" in options or "exchange" in options:
                wanted = options.get("unverified") or options.get("exchange")
                plan.verify_delay = timedelta(hours=2) if wanted else None
            if "hold" in options:
                resolves = bool(options.get("hold_resolves", True))
                plan.hold = (timedelta(minutes=10), timedelta(hours=12), resolves) if options["hold"] else None
            for key in ("outcome", "customer_cancel_after"):
                if key in options:
                    value = options[key]
                    setattr(
                        plan,
                        key,
                        timedelta(seconds=float(value)) if key.endswith("after") and value else value,
                    )
            qty = int(options.get("quantity") or (1 if rng.random() < 0.93 else 2))
            sub = SubOrder(
                sub_order_no=f"{order_no}_{n}",
                order_no=order_no,
                supplier_id=acct.supplier_id,
                warehouse_id=product.warehouse_id,
                sku=product.sku,
                quantity=qty,
                unit_price=product.price,
                gst_rate=_gst_rate(product.price, at),
                payment_mode=payment,
                is_exchange=bool(options["exchange"])
                if "exchange" in options
                else (plan.verify_delay is not None and rng.random() < 0.5),
                created_at=at,
                customer=customer,
                plan=plan,
                simulated_seller=simulated,
            )
            self._apply_acceptance_setting(acct, sub)
            if simulated and plan.supplier_cancel_after is not None:
                sub.supplier_cancel = (at + plan.supplier_cancel_after, "OUT_OF_STOCK", "")
            sub.owner = acct
            if plan.outcome != "DELIVERED":  # reserve the return id now so that ids never depend on read order
                sub.return_id = f"RET{tl.ist_date(at):%Y%m%d}{acct.next_seq('return'):05d}"
            acct.sub_orders[sub.sub_order_no] = sub
            if bulk:
                acct.by_created.append((sub.created_at, sub.sub_order_no))
            else:
                bisect.insort(acct.by_created, (sub.created_at, sub.sub_order_no))
            if simulated and not plan.forgets:
                self._simulate_dispatch(acct, sub)
            nos.append(sub.sub_order_no)
        return nos

    def _apply_acceptance_setting(self, acct: Account, sub: SubOrder) -> None:
        """§5: ACCEPT_ALWAYS moves new sub-orders on; ACCEPT_BY_INVENTORY only with stock (decremented)."""
        if acct.acceptance_mode == "ACCEPT_ALWAYS":
            sub.auto_accept = True
        elif acct.acceptance_mode == "ACCEPT_BY_INVENTORY":
            product = acct.products[sub.sku]
            if product.stock >= sub.quantity:
                product.stock -= sub.quantity
                sub.auto_accept = True

    def _simulate_dispatch(self, acct: Account, sub: SubOrder) -> None:
        """Old generated orders: the world plays the seller (labels 13:30 IST, manifest 14:00, scan 16:30)."""
        rts, cancel_at = tl.planned_rts(sub)
        if rts is None:
            return
        slot = tl.next_manifest_slot(rts + sub.plan.label_delay + timedelta(minutes=30))
        if sub.plan.late:
            slot = max(slot, tl.next_manifest_slot(tl.sla_deadline(sub)))
        label_at = slot - timedelta(minutes=30)
        if cancel_at is not None and cancel_at <= label_at:
            return
        self._assign_courier(acct, sub, label_at)
        courier = sub.courier or "VALMO"
        label = self._batch(
            acct,
            "label",
            (slot, sub.warehouse_id),
            50,
            lambda: self._new_label(acct, label_at, sub.warehouse_id, []),
        )
        assert isinstance(label, Label)
        label.sub_order_nos.append(sub.sub_order_no)
        sub.label_ids.append((label_at, label.label_id))
        manifest = self._batch(
            acct,
            "manifest",
            (slot, courier, sub.warehouse_id),
            100,
            lambda: self._new_manifest(
                acct, courier, sub.warehouse_id, slot, [], slot + timedelta(hours=2, minutes=30)
            ),
        )
        assert isinstance(manifest, Manifest)
        manifest.sub_order_nos.append(sub.sub_order_no)
        sub.manifest_id = manifest.manifest_id

    def _batch(self, acct: Account, kind: str, key: tuple[Any, ...], size: int, make: Any) -> Label | Manifest:
        cache: dict[tuple[Any, ...], Label | Manifest] = acct.__dict__.setdefault(f"_open_{kind}", {})
        current = cache.get(key)
        if current is None or len(current.sub_order_nos) >= size:
            current = make()
            cache[key] = current
        assert current is not None
        return current

    def _assign_courier(self, acct: Account, sub: SubOrder, at: datetime) -> None:
        """§7: Meesho assigns courier, AWB and tax invoice number at the first label; relabels keep them."""
        if sub.courier is not None:
            return
        h = zlib.crc32(f"{acct.supplier_id}|{sub.sub_order_no}".encode())
        pick, total = h % 100, 0
        for courier, weight in zip(COURIERS, _COURIER_WEIGHTS, strict=True):
            total += weight
            if pick < total:
                sub.courier = courier
                break
        sub.awb = tl.make_awb_hashed(sub.courier or "VALMO", sub.sub_order_no)
        fy = at.astimezone(IST)
        start = fy.year if fy.month >= 4 else fy.year - 1
        sub.invoice_no = f"MS/{start % 100:02d}-{(start + 1) % 100:02d}/{acct.next_seq('invoice'):06d}"
        sub.invoice_at = at

    def _new_label(self, acct: Account, at: datetime, warehouse_id: str, nos: list[str]) -> Label:
        label_id = f"LBL{tl.ist_date(at):%Y%m%d}{acct.next_seq('label'):06d}"
        label = Label(label_id, at, at + timedelta(seconds=self.config.label_delay_seconds), warehouse_id, nos)
        acct.labels[label_id] = label
        return label

    def _new_manifest(
        self,
        acct: Account,
        courier: str,
        warehouse_id: str,
        at: datetime,
        nos: list[str],
        scan_at: datetime | None,
    ) -> Manifest:
        manifest_id = f"MNF{tl.ist_date(at):%Y%m%d}{acct.next_seq('manifest'):05d}"
        manifest = Manifest(manifest_id, courier, warehouse_id, at, nos, scan_at)
        acct.manifests[manifest_id] = manifest
        return manifest

    # ------------------------------------------------------------------ reads
    def status(self, sub: SubOrder, now: datetime | None = None) -> tuple[str, datetime]:
        found = tl.status_at(sub, now or self.clock.now())
        if found is None:
            raise fail(404, "NOT_FOUND", {"sub_order_no": sub.sub_order_no})
        return found

    def sub_order(self, acct: Account, sub_order_no: str) -> SubOrder:
        sub = acct.sub_orders.get(sub_order_no)
        if sub is None or sub.created_at > self.clock.now():
            raise fail(404, "NOT_FOUND", {"sub_order_no": sub_order_no})
        return sub

    def visible_return(self, acct: Account, return_id: str) -> Return:
        tl.ensure_all(acct)
        ret = acct.returns.get(return_id)
        if ret is None or ret.created_at > self.clock.now():
            raise fail(404, "NOT_FOUND", {"return_id": return_id})
        return ret

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
                product.stock = qty  # absolute, never a delta (§10); 0 keeps the listing LIVE
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
        """§8 supplier receipt; True when it changed anything (a same-body repeat is a no-op)."""
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

    # ------------------------------------------------------------------ courier / customer / Meesho events
    def scan_manifest(self, acct: Account, manifest_id: str, missing: list[str]) -> Manifest:
        manifest = acct.manifests.get(manifest_id)
        if manifest is None:
            raise fail(404, "NOT_FOUND", {"manifest_id": manifest_id})
        now = self.clock.now()
        manifest.scan_at = now
        manifest.explicit_scan = True
        manifest.missing = set(missing) & set(manifest.sub_order_nos)
        for no in manifest.sub_order_nos:
            tl.rebuild(acct.sub_orders[no], acct)
        return manifest

    def customer_cancel(self, acct: Account, no: str) -> SubOrder:
        sub = self.sub_order(acct, no)
        status, _ = self.status(sub)
        if status not in ("UNVERIFIED", "PENDING", "HOLD", "READY_TO_SHIP"):
            raise fail(422, "INVALID_STATE", {"current_status": status})
        sub.customer_cancel_at = self.clock.now()
        tl.rebuild(sub, acct)
        return sub

    def force_outcome(self, acct: Account, no: str, kind: str) -> SubOrder:
        sub = self.sub_order(acct, no)
        status, _ = self.status(sub)
        now = self.clock.now()
        if kind in ("DELIVERED", "RTO") and status != "SHIPPED":
            raise fail(422, "INVALID_STATE", {"current_status": status})
        if kind == "RETURN" and status != "DELIVERED":
            raise fail(422, "INVALID_STATE", {"current_status": status})
        if kind == "RETURN":
            sub.forced_return_at = now
        else:
            sub.forced_outcome = (kind, now)
        tl.rebuild(sub, acct)
        return sub

    def advance_return(self, acct: Account, return_id: str, status: str) -> Return:
        ret = self.visible_return(acct, return_id)
        ret.forced.append((self.clock.now(), status))
        acct.version += 1
        return ret

    def decide_claim(self, acct: Account, return_id: str, approve: bool, amount: Decimal | None) -> Claim:
        ret = self.visible_return(acct, return_id)
        if ret.claim is None or ret.claim.status != "OPEN":
            raise fail(422, "INVALID_STATE", {"claim": ret.claim.status if ret.claim else None})
        ret.claim.status = "APPROVED" if approve else "REJECTED"
        ret.claim.decided_at = self.clock.now()
        if approve:
            ret.claim.amount = amount if amount is not None else acct.sub_orders[ret.sub_order_no].total_price
        acct.version += 1
        return ret.claim


def _alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=n))


_MINUTES: dict[int, timedelta] = {}  # timedelta objects are immutable: share one per minute count


def _gst_rate(price: Decimal, at: datetime) -> Decimal:
    return gst_rate_for(price, tl.ist_date(at))


def _draw_plan(rng: random.Random, payment: str, simulated: bool) -> Plan:
    """Rates are modelled (meesho.md gives none): ~6 % customer cancels, RTO 14 % COD / 6 % prepaid,
    8 % customer returns."""
    rand = rng.random

    def minutes(lo: int, hi: int) -> timedelta:
        n = lo + int(rand() * (hi - lo + 1))
        found = _MINUTES.get(n)
        if found is None:
            found = _MINUTES[n] = timedelta(minutes=n)
        return found

    roll = rng.random()
    rto_rate = 0.14 if payment == "COD" else 0.06
    outcome = "RTO" if roll < rto_rate else "RETURN" if roll < rto_rate + 0.08 else "DELIVERED"
    fail_roll = rng.random()
    return Plan(
        verify_delay=minutes(30, 240) if rng.random() < 0.03 else None,
        hold=(minutes(10, 120), minutes(120, 1200), rng.random() < 0.8) if rng.random() < 0.02 else None,
        accept_delay=minutes(10, 480),
        label_delay=minutes(20, 240),
        customer_cancel_after=minutes(5, 1440) if rng.random() < 0.06 else None,
        supplier_cancel_after=minutes(30, 600) if simulated and rng.random() < 0.01 else None,
        forgets=simulated and rng.random() < 0.01,
        outcome=outcome,
        transit=minutes(36 * 60, 144 * 60),
        rto_reason=rng.choice(_RTO_REASONS),
        return_after=minutes(12 * 60, 6 * 24 * 60),
        return_reason=rng.choice(_RETURN_REASONS),
        return_fail="PICKUP_FAILED"
        if fail_roll < 0.05 and outcome == "RETURN"
        else "LOST"
        if fail_roll > 0.99
        else None,
        return_leg=minutes(48 * 60, 144 * 60),
        late=rng.random() < 0.05,
    )
