"""One POB's slice of the world: its orders, returns, manifests, indexes and what the seller pushed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from robnu.sandbox.ajio.model import Account, Manifest, Order, Return
from robnu.sandbox.ajio.settlement import SLine
from robnu.sandbox.ajio.timeindex import TimeIndex

PUSH_KINDS = (
    "inventory",
    "acknowledgements",
    "cancels",
    "confirmation_batches",
    "b2b_invoices",
    "labels",
    "customer_invoices",
    "manifests",
    "manifest_cancels",
    "qc",
    "rto_generations",
)


@dataclass
class Book:
    account: Account
    orders: list[Order] = field(default_factory=list)
    by_id: dict[str, Order] = field(default_factory=dict)
    returns: list[Return] = field(default_factory=list)
    returns_by_id: dict[str, Return] = field(default_factory=dict)
    manifests: dict[str, Manifest] = field(default_factory=dict)
    premanifests: dict[tuple[date, str], str] = field(default_factory=dict)
    created_index: TimeIndex = field(default_factory=TimeIndex)  # order created time
    status_index: TimeIndex = field(default_factory=TimeIndex)  # every order event time
    return_index: TimeIndex = field(default_factory=TimeIndex)  # every return event time
    money_index: TimeIndex = field(default_factory=TimeIndex)  # every settlement line date, per order
    pushed: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in PUSH_KINDS})
    invoice_numbers: set[tuple[str, str, str]] = field(default_factory=set)  # (gstin, FY, number)
    batches: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    statement_cache: dict[str, list[SLine]] = field(default_factory=dict)
    query_cache: dict[tuple[Any, ...], tuple[int, int, list[int]]] = field(default_factory=dict)
    version: int = 0
    return_seq: int = 0
    push_seq: int = 0

    def touch(self) -> None:
        self.version += 1
        self.query_cache.clear()

    def record(self, kind: str, entry: dict[str, Any]) -> None:
        self.push_seq += 1
        self.pushed[kind].append({"seq": self.push_seq, **entry})
