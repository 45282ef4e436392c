"""Order generation for the Meesho world: history drawn from each account's RNG (old orders handled by a
simulated seller), and single orders with chosen options for the control API."""

from __future__ import annotations

import bisect
import gc
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.core import WorldCore
from robnu.sandbox.meesho.model import Account, Label, Manifest, Plan, SubOrder
from robnu.sandbox.meesho.money import gst_rate_for
from robnu.sandbox.people import random_person

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
_MINUTES: dict[int, timedelta] = {}  # timedelta objects are immutable: share one per minute count


def _gst_rate(price: Decimal, at: datetime) -> Decimal:
    return gst_rate_for(price, tl.ist_date(at))


def _draw_plan(rng: random.Random, payment: str, simulated: bool) -> Plan:
    """Rates are modelled (nothing public gives them): ~6 % customer cancels, RTO 14 % COD / 6 % prepaid,
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


class Generation(WorldCore):
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
        """ACCEPT_ALWAYS moves new sub-orders on; ACCEPT_BY_INVENTORY only with stock (decremented)."""
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
