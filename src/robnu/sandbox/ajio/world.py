"""The seeded AJIO world: POB accounts, catalogue, orders, returns, manifests and settlements.

All business time is epoch seconds taken from the shared sandbox clock. Each account's data comes
from RNGs derived from (seed, POB, record) with ``zlib.crc32`` so two builds with one seed agree.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar, overload

from robnu.domain.india import PLACES, make_gstin
from robnu.sandbox.ajio import seeded
from robnu.sandbox.ajio.book import Book
from robnu.sandbox.ajio.catalog import COURIERS, awb, make_catalog, pob_id, stable_rng
from robnu.sandbox.ajio.lifecycle import ACK_WINDOW, DAY, Lifecycle
from robnu.sandbox.ajio.model import (
    CANCELLED,
    PENDENCY,
    Account,
    Event,
    Line,
    Order,
    Return,
)
from robnu.sandbox.ajio.money import apparel_gst_rate, iso, ist_date
from robnu.sandbox.ajio.settlement import Cycle, RateCard, SLine, cycle_of, money_times, order_lines
from robnu.sandbox.clock import SandboxClock
from robnu.sandbox.people import random_person

T = TypeVar("T")
AJIO_LEGAL_NAME = "Reliance Retail Limited (AJIO)"
AJIO_PAN = "AAACZ9999Z"  # fictional; with state 08 it gives the GSTIN 08AAACZ9999Z1ZC


class Rows(Sequence[T]):
    """The records of a cached key list, materialised only for the slice a page serves (a listing over
    100k orders would otherwise build a 100k-element list on every page request)."""

    def __init__(self, source: list[T], keys: list[int]) -> None:
        self._source = source
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._source[k] for k in self._keys[index]]
        return self._source[self._keys[index]]


class AjioWorld:
    def __init__(self, seed: int, clock: SandboxClock, card: RateCard | None = None, label_delay: int = 0) -> None:
        self.seed = seed
        self.clock = clock
        self.card = card or RateCard()
        self.life = Lifecycle(seed, self.card, label_delay)
        self.books: dict[str, Book] = {}
        self._order_ids: set[str] = set()
        self._item_ids: set[str] = set()

    def now(self) -> int:
        return int(self.clock.now().timestamp())

    def reset(self) -> None:
        self.books.clear()
        self._order_ids.clear()
        self._item_ids.clear()
        self.life.manifest_seq = 0

    # --------------------------------------------------------------- accounts
    def create_account(self, **overrides: Any) -> dict[str, Any]:
        number = len(self.books) + 1
        rng = stable_rng(self.seed, "account", number)
        pob = str(overrides.get("pob_id") or pob_id(rng))
        while pob in self.books:
            pob = pob_id(rng)
        place = rng.choice(PLACES)
        pan = (
            "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
            + rng.choice("CFP")
            + rng.choice(string.ascii_uppercase)
            + f"{rng.randrange(10000):04d}"
            + rng.choice(string.ascii_uppercase)
        )
        city3 = place.city[:3].upper()
        store = {
            "store_code": f"{city3}-WH{number}",
            "ship_from_pincode": place.pincode,
            "state_code": place.state_code,
            "seller_gstin": make_gstin(place.state_code, pan),
            "invoice_series_prefix": f"{city3}/",
        }
        store.update({k: str(v) for k, v in dict(overrides.get("store") or {}).items()})
        einv_in = dict(overrides.get("einvoice") or {"enabled": False})
        einvoice: dict[str, Any] = {"enabled": bool(einv_in.get("enabled"))}
        if einvoice["enabled"]:
            einvoice.update(
                {
                    "gsp_provider": "CLEARTAX",
                    "gstin": store["seller_gstin"],
                    "username": f"gsp_{pob.lower()}",
                    "password": f"gsp-{rng.randrange(10**8)}",
                    "client_id": f"cid-{rng.randrange(10**8)}",
                    "client_secret": f"sec-{rng.randrange(10**12)}",
                }
            )
            einvoice.update({k: v for k, v in einv_in.items() if k != "enabled"})
        bill_state = str(overrides.get("bill_to_state_code") or store["state_code"])
        acc = Account(
            pob_id=pob,
            number=number,
            api_password=str(overrides.get("api_password") or f"Aj!{rng.randrange(10**10):010d}"),
            store=store,
            einvoice=einvoice,
            legal_name=str(overrides.get("legal_name") or f"{city3.title()} Fashions LLP"),
            bill_to_gstin=make_gstin(bill_state, AJIO_PAN),
            bill_to_state=bill_state,
            financial_model=str(overrides.get("financial_model") or "RSI"),
        )
        acc.products = make_catalog(rng, int(overrides.get("catalog_size") or 40))
        acc.inventory = {sku: rng.randint(20, 120) for sku in acc.products}
        self.books[pob] = Book(acc)
        return self.credentials(pob)

    def credentials(self, pob: str) -> dict[str, Any]:
        acc = self.book(pob).account
        return {
            "account_key": acc.pob_id,
            "pob_id": acc.pob_id,
            "api_password": acc.api_password,
            "store": dict(acc.store),
            "einvoice": dict(acc.einvoice),
            "legal_name": acc.legal_name,
            "financial_model": acc.financial_model,
        }

    def book(self, pob: str) -> Book:
        return self.books[pob]

    def revoke(self, pob: str) -> None:
        self.book(pob).account.revoked = True

    # ------------------------------------------------------------- generation
    @staticmethod
    def _unique(used: set[str], rng: random.Random, prefix: str, digits: int) -> str:
        value = prefix + str(rng.randrange(10 ** (digits - 1), 10**digits))
        while value in used:
            value = prefix + str(rng.randrange(10 ** (digits - 1), 10**digits))
        used.add(value)
        return value

    def generate_orders(self, pob: str, count: int, *, days: float = 30) -> list[str]:
        book = self.book(pob)
        acc = book.account
        now = self.now()
        skus = sorted(s for s, p in acc.products.items() if p.published) or sorted(acc.products)
        new: list[Order] = []
        for _ in range(count):
            acc.order_seq += 1
            rng = stable_rng(self.seed, pob, "order", acc.order_seq)
            created = now - rng.randint(60, max(61, int(days * DAY)))
            oid = self._unique(self._order_ids, rng, "FN", 10)
            carrier = rng.choice(COURIERS)
            n_lines = 1 if rng.random() < 0.7 else 2 if rng.random() < 0.75 else 3
            lines = []
            for sku in rng.sample(skus, min(n_lines, len(skus))):
                prod = acc.products[sku]
                item = self._unique(self._item_ids, rng, "", 12)
                lines.append(
                    Line(
                        item,
                        sku,
                        1 if rng.random() < 0.85 else 2,
                        prod.mrp,
                        prod.price,
                        apparel_gst_rate(prod.price, ist_date(created)),
                    )
                )
            order = Order(
                len(book.orders),
                oid,
                pob,
                created,
                "COD" if rng.random() < 0.4 else "PREPAID",
                carrier,
                awb(rng, carrier),
                random_person(rng),
                lines,
            )
            order.events = [(created, PENDENCY, "")]
            book.orders.append(order)
            book.by_id[oid] = order
            self.life.play(book, order, PENDENCY, created, now, index=False)
            new.append(order)
        for order in new:
            book.created_index.bulk_add(order.key, [order.created])
            book.status_index.bulk_add(order.key, order.times)
            rets = [book.returns_by_id[r] for r in order.return_ids]
            for ret in rets:
                book.return_index.bulk_add(ret.key, ret.times)
            book.money_index.bulk_add(order.key, money_times(order, rets, self.card))
        for idx in (book.created_index, book.status_index, book.return_index, book.money_index):
            idx.seal()
        book.touch()
        return [o.order_id for o in new]

    # ---------------------------------------------------------------- queries
    def _cached(
        self,
        book: Book,
        key: tuple[Any, ...],
        now: int,
        nxt: Callable[[], int | None],
        compute: Callable[[], list[int]],
    ) -> list[int]:
        hit = book.query_cache.get(key)
        if hit is not None and hit[0] <= now < hit[1]:
            return hit[2]
        keys = compute()
        book.query_cache[key] = (now, nxt() or 2**62, keys)
        return keys

    def pendency(self, book: Book, lo: int, hi: int) -> Rows[Order]:
        now = self.now()
        lo = max(lo, now - ACK_WINDOW)  # nothing older can still be awaiting an ack

        def compute() -> list[int]:
            out = []
            for _ts, key in book.created_index.window(lo, min(hi, now)):
                if book.orders[key].state_at(now)[1] == PENDENCY:
                    out.append(key)
            return out

        keys = self._cached(book, ("pendency", lo, hi), now, lambda: book.status_index.next_after(now), compute)
        return Rows(book.orders, keys)

    def purchase_orders(self, book: Book, lo: int, hi: int, status: str | None) -> Rows[Order]:
        """Orders out of pendency whose last update (current status time) is in [lo, hi] [modelled]."""
        now = self.now()

        def compute() -> list[int]:
            seen: set[int] = set()
            found: list[tuple[int, int]] = []
            for _ts, key in book.status_index.window(lo, min(hi, now)):
                if key in seen:
                    continue
                seen.add(key)
                ts, st, _ = book.orders[key].state_at(now)
                if st != PENDENCY and lo <= ts <= hi and (status is None or st == status):
                    found.append((ts, key))
            found.sort()
            return [k for _, k in found]

        keys = self._cached(book, ("po", lo, hi, status), now, lambda: book.status_index.next_after(now), compute)
        return Rows(book.orders, keys)

    def returns_in(self, book: Book, lo: int, hi: int, kind: str | None, status: str | None) -> Rows[Return]:
        now = self.now()

        def compute() -> list[int]:
            seen: set[int] = set()
            found: list[tuple[int, int]] = []
            for _ts, key in book.return_index.window(lo, min(hi, now)):
                if key in seen:
                    continue
                seen.add(key)
                ret = book.returns[key]
                if not ret.events or ret.created > now:
                    continue
                ts, st, _ = ret.state_at(now)
                if lo <= ts <= hi and (kind is None or ret.return_type == kind) and (status is None or st == status):
                    found.append((ts, key))
            found.sort()
            return [k for _, k in found]

        keys = self._cached(
            book, ("returns", lo, hi, kind, status), now, lambda: book.return_index.next_after(now), compute
        )
        return Rows(book.returns, keys)

    def visible_return(self, ret: Return, now: int) -> bool:
        return bool(ret.events) and ret.created <= now

    def cycles(self, book: Book, from_day: date | None = None, to_day: date | None = None) -> list[Cycle]:
        """Published cycles (ended before now) holding at least one line, optionally by cycle end date."""
        now = self.now()
        first = book.money_index.first()
        if first is None:
            return []
        out = []
        cycle = cycle_of(first)
        while cycle.end_ts <= now:
            if book.money_index.window(cycle.start_ts, cycle.end_ts - 1) and (
                (from_day is None or cycle.end >= from_day) and (to_day is None or cycle.end <= to_day)
            ):
                out.append(cycle)
            cycle = cycle.next()
        return out

    def statement(self, book: Book, cycle: Cycle) -> list[SLine]:
        sid = cycle.settlement_id(book.account.number)
        cached = book.statement_cache.get(sid)
        if cached is not None:
            return cached
        keys = sorted({k for _, k in book.money_index.window(cycle.start_ts, cycle.end_ts - 1)})
        lines: list[SLine] = []
        for key in keys:
            order = book.orders[key]
            rets = [book.returns_by_id[r] for r in order.return_ids]
            lines += [ln for ln in order_lines(order, rets, self.card) if cycle.start_ts <= ln.ts < cycle.end_ts]
        lines.sort(key=lambda ln: (ln.ts, ln.order_id))
        lines = seeded.apply(self, book, sid, lines)  # seeded settlement errors, when armed for the account
        book.statement_cache[sid] = lines
        return lines

    def find_cycle(self, book: Book, settlement_id: str) -> Cycle | None:
        for cycle in self.cycles(book):
            if cycle.settlement_id(book.account.number) == settlement_id:
                return cycle
        return None

    # ------------------------------------------------------------ transitions
    def stop(self, book: Book, order: Order, status: str, note: str, now: int) -> None:
        """End the order's timeline at ``now`` in ``status`` (a seller or control action)."""
        evs: list[Event] = [e for e in order.events if e[0] <= now]
        evs.append((now, status, note))
        for rid in list(order.return_ids):
            ret = book.returns_by_id[rid]
            if ret.created > now and not ret.seller_generated:
                order.return_ids.remove(rid)
                ret.events, ret.times = [], []
                book.return_index.replace(ret.key, [])
        order.set_events(evs)
        self.life.reindex(book, order)

    def customer_cancel(self, book: Book, order: Order) -> bool:
        now = self.now()
        if order.state_at(now)[1] != PENDENCY:
            return False
        self.stop(book, order, CANCELLED, "CUSTOMER:CHANGED_MIND", now)
        return True

    # ------------------------------------------------------------------ truth
    def truth(self, pob: str) -> dict[str, Any]:
        book = self.book(pob)
        now = self.now()
        orders: dict[str, Any] = {}
        value = Decimal("0.00")
        for o in book.orders:
            ts, st, _ = o.state_at(now)
            orders[o.order_id] = {
                "status": st,
                "updated_at": iso(ts),
                "total": str(o.total),
                "items": len(o.lines),
            }
            value += o.total
        returns: dict[str, Any] = {}
        for r in book.returns:
            if self.visible_return(r, now):
                ts, st, _ = r.state_at(now)
                returns[r.return_id] = {
                    "kind": r.return_type,
                    "status": st,
                    "order_id": r.order_id,
                    "updated_at": iso(ts),
                }
        payouts: dict[str, Any] = {}
        net_total = Decimal("0.00")
        for cycle in self.cycles(book):
            lines = self.statement(book, cycle)
            net = sum((ln.amount for ln in lines), Decimal("0.00"))
            payouts[cycle.settlement_id(book.account.number)] = {"net": str(net), "lines": len(lines)}
            net_total += net
        return {
            "orders": orders,
            "returns": returns,
            "payouts": payouts,
            "totals": {"order_value": str(value), "payout_net": str(net_total)},
        }

    def pushed(self, pob: str) -> dict[str, Any]:
        book = self.book(pob)
        latest: dict[str, int] = {}
        for entry in book.pushed["inventory"]:
            if entry["accepted"]:
                latest[entry["sku"]] = entry["quantity"]
        return {**{k: list(v) for k, v in book.pushed.items()}, "inventory_latest": latest}
