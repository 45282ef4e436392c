"""The seeded Flipkart world: accounts, catalogs, shipments moving on the sandbox clock, returns.

Indexes per account keep every page O(page): per filter group, shipments sorted by order date and by
last update (``bisect``), and returns per source sorted by created and by updated time. A heap of each
shipment's next scheduled event lets ``tick`` move only what is due.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import random
import threading
from bisect import insort
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from robnu.domain.india import make_gstin
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.flipkart import ids
from robnu.sandbox.flipkart.catalog import make_catalog
from robnu.sandbox.flipkart.generation import draw_shipment
from robnu.sandbox.flipkart.indexes import AccountIndex, Pushed, remove, ts
from robnu.sandbox.flipkart.lifecycle import item_status, timeline
from robnu.sandbox.flipkart.model import (
    APPROVED,
    CANCELLED,
    DELIVERED,
    RETURN_REQUESTED,
    SHIPPED,
    Account,
    Listing,
    OrderItem,
    ReturnItem,
    Shipment,
    group_of,
)
from robnu.sandbox.people import random_person

# modelled: Seller Hub works orders older than this at generation time (the seller acted in the UI).
SELLER_HUB_AGE = timedelta(hours=24)
_COMPANY = ("Shree", "Sai", "Krishna", "Lakshmi", "Ganesh", "Om", "Aadya", "Vedant")
_KIND = ("Fashions", "Traders", "Enterprises", "Retail", "Creations", "Textiles")


class World:
    def __init__(self, seed: int, clock: SandboxClock, *, pack_delay_seconds: float = 2.0) -> None:
        self.seed = seed
        self.clock = clock
        self.pack_delay = timedelta(seconds=pack_delay_seconds)
        self.lock = threading.RLock()
        self._reset_state()

    def _reset_state(self) -> None:
        self.rng = random.Random(self.seed)
        self.accounts: dict[str, Account] = {}
        self.by_app_id: dict[str, str] = {}
        self.index: dict[str, AccountIndex] = {}
        self.shipments: dict[str, Shipment] = {}
        self.orders: dict[str, list[str]] = {}  # orderId -> shipment ids
        self.order_items: dict[str, tuple[str, OrderItem]] = {}  # orderItemId -> (shipment id, item)
        self.returns: dict[str, ReturnItem] = {}
        self.returns_of: dict[str, list[str]] = {}  # shipment id -> return ids
        self.pushed: dict[str, Pushed] = {}
        self.line_cache: dict[str, tuple[int, list[Any]]] = {}  # shipment id -> (version, settlement lines)
        self.payout_cache: dict[str, tuple[Any, list[Any]]] = {}  # account -> ((changes, paid until), payouts)
        self._seq = 0

    def reset(self) -> None:
        with self.lock:
            self._reset_state()

    # ------------------------------------------------------------------ accounts
    def create_account(self, **overrides: Any) -> dict[str, Any]:
        with self.lock:
            rng = self.rng
            key = str(overrides.get("seller_id") or ids.seller_id(rng))
            if key in self.accounts:
                raise ValueError(f"account {key} exists")
            arng = ids.account_rng(self.seed, key)
            person = random_person(arng)
            pan = (
                "".join(arng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3))
                + "F"
                + "ABCDE"[arng.randrange(5)]
                + f"{arng.randrange(10000):04d}"
                + arng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            )
            account = Account(
                key=key,
                seller_id=key,
                location_id=str(overrides.get("location_id") or ids.location_id(arng)),
                app_id=str(overrides.get("app_id") or ids.app_id(arng)),
                app_secret=str(overrides.get("app_secret") or ids.app_secret(arng)),
                name=str(overrides.get("name") or f"{arng.choice(_COMPANY)} {arng.choice(_KIND)}"),
                gstin=make_gstin(person.place.state_code, pan),
                place=person.place,
                rng=arng,
            )
            account.listings = make_catalog(arng)
            for listing in account.listings.values():
                listing.inventory[account.location_id] = arng.randrange(0, 200)
                listing.location_status[account.location_id] = "ENABLED"
            self.accounts[key] = account
            self.by_app_id[account.app_id] = key
            self.index[key] = AccountIndex()
            self.pushed[key] = Pushed()
            return self.describe(key)

    def describe(self, key: str) -> dict[str, Any]:
        a = self.account(key)
        return {
            "account_key": a.key,  # the conformance harness's name for the account (= the seller id)
            "seller_id": a.seller_id,
            "location_id": a.location_id,
            "app_id": a.app_id,
            "app_secret": a.app_secret,
            "name": a.name,
            "gstin": a.gstin,
            "city": a.place.city,
            "state_code": a.place.state_code,
            "pincode": a.place.pincode,
            "skus": sorted(a.listings),
        }

    def account(self, key: str) -> Account:
        try:
            return self.accounts[key]
        except KeyError:
            raise KeyError(f"unknown account {key}") from None

    def revoke(self, key: str) -> None:
        with self.lock:
            self.account(key).revoked = True

    # ------------------------------------------------------------------ generation
    def generate_orders(self, key: str, count: int, *, days: float = 30) -> list[str]:
        """``count`` orders created over the last ``days`` days; returns their order ids."""
        with self.lock, _no_gc():
            account = self.account(key)
            rng = account.rng
            now = self.clock.now()
            span = days * 86400.0
            offsets = sorted(rng.random() * span for _ in range(count))
            created = [now - timedelta(seconds=span - off) for off in offsets]
            new: list[Shipment] = []
            for at in created:
                sh = self._new_shipment(account, at, rng, None)
                if now - at > SELLER_HUB_AGE:
                    self._seller_hub_actions(sh)
                new.append(sh)
            for sh in new:
                self._recompute(sh, now, bulk=True)
            self._sort_indexes(key)
            return [sh.order_id for sh in new]

    def create_test_order(self, key: str, lines: list[tuple[Listing, int]], shipment_type: str = "NORMAL") -> Shipment:
        """The sandbox test-data API's order: created now, waiting for the seller."""
        with self.lock:
            account = self.account(key)
            now = self.clock.now()
            sh = self._new_shipment(account, now, account.rng, lines)
            sh.shipment_type = shipment_type
            sh.plan.buyer_cancel_hours = None
            sh.plan.outcome = "delivered"
            self._recompute(sh, now)
            return sh

    def _new_shipment(
        self, account: Account, at: datetime, rng: random.Random, lines: list[tuple[Listing, int]] | None
    ) -> Shipment:
        sh = draw_shipment(account, at, rng, lines, self.order_items)
        self.shipments[sh.shipment_id] = sh
        self.orders.setdefault(sh.order_id, []).append(sh.shipment_id)
        for item in sh.items:
            self.order_items[item.order_item_id] = (sh.shipment_id, item)
        self.index[account.key].shipments.append(sh.shipment_id)
        return sh

    def _seller_hub_actions(self, sh: Shipment) -> None:
        p = sh.plan
        p.auto_seller = True
        sh.packed_at = sh.order_date + timedelta(hours=p.pack_after_hours)
        sh.rtd_at = sh.packed_at + self.pack_delay + timedelta(hours=p.rtd_after_hours)
        self.assign_invoice(sh, sh.packed_at, None)

    def assign_invoice(self, sh: Shipment, at: datetime, number: str | None) -> None:
        account = self.accounts[sh.account_key]
        if number is None:
            account.invoice_seq += 1
            ist = at.astimezone(ids.IST)
            fy = ist.year if ist.month >= 4 else ist.year - 1
            number = f"FK/{fy % 100:02d}-{(fy + 1) % 100:02d}/{account.invoice_seq:06d}"
        sh.invoice_number = number
        sh.invoice_date = at

    # ------------------------------------------------------------------ lifecycle + indexes
    def tick(self, key: str | None = None) -> None:
        """Apply every event that became due on the sandbox clock."""
        with self.lock:
            now = self.clock.now()
            now_ts = ts(now)
            keys = [key] if key is not None else list(self.index)
            for k in keys:
                heap = self.index[k].heap
                while heap and heap[0][0] <= now_ts:
                    _, _, sid, version = heapq.heappop(heap)
                    sh = self.shipments[sid]
                    if sh.version == version:
                        self._refresh(sh, now)

    def changed(self, sh: Shipment) -> None:
        """Recompute after a seller action or a test-data call (the timeline continues from it)."""
        with self.lock:
            self._recompute(sh, self.clock.now())

    def _recompute(self, sh: Shipment, now: datetime, bulk: bool = False) -> None:
        sh.version += 1
        self.index[sh.account_key].changes += 1
        sh.events, sh.cancel_type = timeline(sh, self.pack_delay)
        self._refresh(sh, now, bulk)

    def _refresh(self, sh: Shipment, now: datetime, bulk: bool = False) -> None:
        status = APPROVED
        before_return = APPROVED
        updated = sh.order_date
        ret_events: list[tuple[datetime, str]] = []
        next_at: datetime | None = None
        for at, tag in sh.events:
            if at > now:
                next_at = at
                break
            if tag.startswith("ret:"):
                if tag == "ret:created":
                    before_return = status
                ret_events.append((at, tag))
                status = before_return if tag == "ret:cancelled" else item_status(tag, status)
            else:
                status = tag
            updated = at
        if sh.touched_at is not None and updated < sh.touched_at <= now:
            updated = sh.touched_at
        idx = self.index[sh.account_key]
        old_group = group_of(sh.status) if sh.updated_at is not None else None
        new_group = group_of(status)
        if sh.updated_at is not None and (old_group != new_group or sh.updated_at != updated):
            if old_group is not None:
                remove(idx.by_order[old_group], (ts(sh.order_date), sh.shipment_id))
                remove(idx.by_mod[old_group], (ts(sh.updated_at), sh.shipment_id))
                idx.members[old_group].pop(sh.shipment_id, None)
            old_group = None
        if (sh.updated_at is None or old_group is None) and new_group is not None:
            self._index_add(idx, new_group, sh, updated, bulk)
        sh.status = status
        sh.updated_at = updated
        if ret_events:
            self._sync_returns(sh, ret_events, bulk)
        if next_at is not None:
            self._seq += 1
            heapq.heappush(idx.heap, (ts(next_at), self._seq, sh.shipment_id, sh.version))

    def _index_add(self, idx: AccountIndex, group: str, sh: Shipment, updated: datetime, bulk: bool) -> None:
        by_order = idx.by_order.setdefault(group, [])
        by_mod = idx.by_mod.setdefault(group, [])
        idx.members.setdefault(group, {})[sh.shipment_id] = None
        if bulk:
            by_order.append((ts(sh.order_date), sh.shipment_id))
            by_mod.append((ts(updated), sh.shipment_id))
        else:
            insort(by_order, (ts(sh.order_date), sh.shipment_id))
            insort(by_mod, (ts(updated), sh.shipment_id))

    def _sort_indexes(self, key: str) -> None:
        idx = self.index[key]
        for lists in (idx.by_order, idx.by_mod, idx.ret_by_created, idx.ret_by_mod):
            for values in lists.values():
                values.sort()

    def _sync_returns(self, sh: Shipment, ret_events: list[tuple[datetime, str]], bulk: bool) -> None:
        idx = self.index[sh.account_key]
        created_at = ret_events[0][0]
        last_at, last_tag = ret_events[-1]
        status = last_tag[4:]
        existing = self.returns_of.get(sh.shipment_id)
        if existing is None:
            source = "courier_return" if self._is_rto(sh, created_at) else "customer_return"
            existing = []
            for n, item in enumerate(sh.items):
                if item.cancelled_at is not None:
                    continue
                rid = ids.return_id(item.order_item_id, 1)
                ret = ReturnItem(
                    return_id=rid,
                    source=source,
                    shipment=sh,
                    item=item,
                    created_at=created_at,
                    updated_at=last_at,
                    status=status,
                    tracking_id=sh.awb
                    if source == "courier_return"
                    else sh.return_awb[:4] + f"{(int(sh.return_awb[4:]) + n) % 10**10:010d}",
                    reason=sh.plan.return_reason,
                    sub_reason=sh.plan.return_sub_reason,
                    completed_at=last_at if status == "completed" else None,
                )
                self.returns[rid] = ret
                existing.append(rid)
                for lists, at in ((idx.ret_by_created, created_at), (idx.ret_by_mod, last_at)):
                    target = lists.setdefault(source, [])
                    if bulk:
                        target.append((ts(at), rid))
                    else:
                        insort(target, (ts(at), rid))
            self.returns_of[sh.shipment_id] = existing
            return
        for rid in existing:
            ret = self.returns[rid]
            if ret.updated_at == last_at and ret.status == status:
                continue
            mod = idx.ret_by_mod[ret.source]
            remove(mod, (ts(ret.updated_at), rid))
            insort(mod, (ts(last_at), rid))
            ret.updated_at = last_at
            ret.status = status
            if status == "completed":
                ret.completed_at = last_at

    def touch_return(self, ret: ReturnItem) -> None:
        """CHANGE_BETWEEN_PAGES on returns: the record's updated time moves to now."""
        with self.lock:
            now = self.clock.now()
            mod = self.index[ret.shipment.account_key].ret_by_mod[ret.source]
            remove(mod, (ts(ret.updated_at), ret.return_id))
            ret.updated_at = now
            insort(mod, (ts(now), ret.return_id))

    def touch(self, sh: Shipment) -> None:
        """A change without a status move (hold, dispatch dates): ``updatedAt`` becomes now."""
        with self.lock:
            sh.touched_at = self.clock.now()
            self._recompute(sh, sh.touched_at)

    @staticmethod
    def _is_rto(sh: Shipment, created_at: datetime) -> bool:
        return not any(tag == DELIVERED and at <= created_at for at, tag in sh.events)

    # ------------------------------------------------------------------ queries
    def item_status(self, sh: Shipment, item: OrderItem) -> str:
        return CANCELLED if item.cancelled_at is not None else sh.status

    def event_time(self, sh: Shipment, status: str) -> datetime | None:
        now = self.clock.now()
        for at, tag in sh.events:
            if tag == status and at <= now:
                return at
        return None

    def cancellation_date(self, sh: Shipment) -> datetime | None:
        return self.event_time(sh, CANCELLED)

    def shipments_of(self, key: str) -> list[Shipment]:
        return [self.shipments[s] for s in self.index[key].shipments]

    def courier_return(self, sh: Shipment) -> bool:
        rids = self.returns_of.get(sh.shipment_id)
        return (
            rids is not None
            and len(rids) > 0
            and self.returns[rids[0]].source == "courier_return"
            and sh.status in (RETURN_REQUESTED, "RETURNED", SHIPPED)
        )


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Bulk generation allocates ~10 objects per order and nothing cyclic: collecting midway only costs time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
