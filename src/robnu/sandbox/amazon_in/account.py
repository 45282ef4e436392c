"""One seller account: identity, LWA app, catalog, orders and the time-sorted indexes pages are served from.

Indexes are plain lists kept sorted (``bisect``); pages resume from the last key served, so serving a
page never scans the whole account. Entries carry the order's ``version``: an entry whose version is
not the order's current one is stale (the order was re-planned) and is skipped.
"""

from __future__ import annotations

import random
from bisect import bisect_right, insort
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from robnu.domain.india import Place
from robnu.sandbox.amazon_in import seeded
from robnu.sandbox.amazon_in.catalog import Sku
from robnu.sandbox.amazon_in.orders import Order
from robnu.sandbox.amazon_in.settlement import Transaction, build_transaction

EventKey = tuple[int, str, int]  # (epoch second, order id, version)
PostingKey = tuple[int, str, str, int]  # (epoch second, order id, kind, version)
BIG = 1 << 62


@dataclass
class Report:
    report_id: str
    report_type: str
    marketplace_ids: list[str]
    created_s: int
    start_s: int
    end_s: int
    polls: int = 0
    status: str = "IN_QUEUE"
    processing_start_s: int | None = None
    processing_end_s: int | None = None
    document_id: str | None = None


@dataclass
class Account:
    key: str  # = selling_partner_id
    seller_name: str
    gstin: str
    ship_from: Place
    lwa_client_id: str
    lwa_client_secret: str
    refresh_token: str
    rng: random.Random
    catalog: list[Sku]
    revoked: bool = False
    orders: dict[str, Order] = field(default_factory=dict)
    by_created: list[tuple[int, str]] = field(default_factory=list)
    by_event: list[EventKey] = field(default_factory=list)
    postings: list[PostingKey] = field(default_factory=list)
    returns: list[EventKey] = field(default_factory=list)
    quantities: dict[str, int] = field(default_factory=dict)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    reports: dict[str, Report] = field(default_factory=dict)
    report_seq: int = 0
    push_seq: int = 0
    _txn_cache: dict[tuple[str, str, int], Transaction] = field(default_factory=dict)

    @property
    def sku_index(self) -> dict[str, Sku]:
        return {s.seller_sku: s for s in self.catalog}

    # -- index maintenance --
    def index_order(self, order: Order, *, bulk: bool = False) -> None:
        """Add the entries of the order's current plan (call after ``plan()``/``version`` moves on)."""
        add: Callable[[list[Any], Any], None] = _append if bulk else insort
        seen: set[int] = set()
        for at, _stage in order.timeline:
            if at not in seen:
                seen.add(at)
                add(self.by_event, (at, order.order_id, order.version))
        for at, kind in order.postings():
            add(self.postings, (at, order.order_id, kind, order.version))
        times = order.return_times()
        if times is not None:
            add(self.returns, (times[0], order.order_id, order.version))

    def sort_indexes(self, *, created: bool = True) -> None:
        if created:
            self.by_created.sort()
        self.by_event.sort()
        self.postings.sort()
        self.returns.sort()

    def add_touch(self, order: Order, at: int) -> None:
        insort(self.by_event, (at, order.order_id, order.version))

    # -- scans --
    def iter_created(self, after_s: int, before_s: int, resume: tuple[int, str] | None) -> Iterator[Order]:
        index = self.by_created
        i = bisect_right(index, resume) if resume else bisect_right(index, (after_s - 1, "\uffff"))
        while i < len(index):
            at, oid = index[i]
            if at > before_s:
                return
            i += 1
            yield self.orders[oid]

    def iter_updated(self, after_s: int, before_s: int, now_s: int, resume: tuple[int, str] | None) -> Iterator[Order]:
        """Orders whose current lastUpdatedTime lies in [after_s, before_s], in that time order."""
        index = self.by_event
        start = (resume[0], resume[1], BIG) if resume else (after_s - 1, "\uffff", BIG)
        i = bisect_right(index, start)
        while i < len(index):
            at, oid, version = index[i]
            if at > before_s:
                return
            i += 1
            order = self.orders[oid]
            if order.version == version and order.last_updated(now_s) == at:
                yield order

    def iter_postings(
        self, after_s: int, before_s: int, now_s: int, resume: tuple[int, str, str] | None
    ) -> Iterator[Transaction]:
        index = self.postings
        start = (resume[0], resume[1], resume[2], BIG) if resume else (after_s - 1, "\uffff", "", BIG)
        i = bisect_right(index, start)
        limit = min(before_s, now_s)
        while i < len(index):
            at, oid, kind, version = index[i]
            if at > limit:
                return
            i += 1
            order = self.orders[oid]
            if order.version == version:
                yield self.transaction(order, kind, at)

    def transaction(self, order: Order, kind: str, at: int) -> Transaction:
        key = (order.order_id, kind, order.version)
        txn = self._txn_cache.get(key)
        if txn is None or txn.posted_s != at:
            txn = seeded.apply(self, order, kind, build_transaction(order, kind, at, self.zone(order)))
            self._txn_cache[key] = txn
        return txn

    def order_transactions(self, order: Order, now_s: int) -> list[Transaction]:
        return [self.transaction(order, kind, at) for at, kind in order.postings() if at <= now_s]

    def zone(self, order: Order) -> str:
        place = order.buyer.place
        if place == self.ship_from:
            return "local"
        if place.pincode[0] == self.ship_from.pincode[0]:
            return "regional"
        return "national"

    def iter_returns(self, after_s: int, before_s: int) -> Iterator[Order]:
        index = self.returns
        i = bisect_right(index, (after_s - 1, "\uffff", BIG))
        while i < len(index):
            at, oid, version = index[i]
            if at > before_s:
                return
            i += 1
            order = self.orders[oid]
            if order.version == version:
                yield order


def _append(target: list[Any], item: Any) -> None:
    target.append(item)
