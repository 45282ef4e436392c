"""Order search shared by searchOrders (2026-01-01) and getOrders (v0): filters, scanning, page tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from robnu.sandbox.amazon_in.account import Account
from robnu.sandbox.amazon_in.constants import PAGE_TOKEN_LIFETIME_SECONDS
from robnu.sandbox.amazon_in.errors import invalid_input
from robnu.sandbox.amazon_in.orders import FULFILLMENT_STATUS, Order, Track
from robnu.sandbox.amazon_in.orders_json import easy_ship_status_v0
from robnu.sandbox.amazon_in.pagination import decode, encode, filters_hash
from robnu.sandbox.faults import FaultKind
from robnu.sandbox.kit import SandboxKit


@dataclass(frozen=True)
class Query:
    mode: str  # "created" | "updated"
    after_s: int
    before_s: int
    statuses: frozenset[str] = frozenset()  # 2026 fulfillment statuses
    fulfilled_by: frozenset[str] = frozenset()  # MERCHANT / AMAZON
    payment: frozenset[str] = frozenset()  # v0: COD / Other
    easy_ship: frozenset[str] = frozenset()  # v0 PascalCase milestones

    def to_json(self) -> dict[str, Any]:
        return {
            "m": self.mode,
            "a": self.after_s,
            "b": self.before_s,
            "s": sorted(self.statuses),
            "f": sorted(self.fulfilled_by),
            "p": sorted(self.payment),
            "e": sorted(self.easy_ship),
        }

    @staticmethod
    def from_json(value: dict[str, Any]) -> Query:
        return Query(
            str(value["m"]),
            int(value["a"]),
            int(value["b"]),
            frozenset(value["s"]),
            frozenset(value["f"]),
            frozenset(value["p"]),
            frozenset(value["e"]),
        )

    def accepts(self, order: Order, now_s: int) -> bool:
        if self.statuses and FULFILLMENT_STATUS[order.stage(now_s)] not in self.statuses:
            return False
        if self.fulfilled_by and ("AMAZON" if order.track is Track.AFN else "MERCHANT") not in self.fulfilled_by:
            return False
        if self.payment and ("COD" if order.cod else "Other") not in self.payment:
            return False
        return not self.easy_ship or easy_ship_status_v0(order, now_s) in self.easy_ship


def key_of(query: Query, order: Order, now_s: int) -> tuple[int, str]:
    return (order.created_s if query.mode == "created" else order.last_updated(now_s)), order.order_id


def page(
    account: Account, query: Query, resume: tuple[int, str] | None, limit: int, now_s: int
) -> tuple[list[Order], tuple[int, str] | None]:
    """Up to ``limit`` orders after ``resume`` and the key to resume from, or None on the last page."""
    if query.mode == "created":
        source = account.iter_created(query.after_s, query.before_s, resume)
    else:
        source = account.iter_updated(query.after_s, query.before_s, now_s, resume)
    found: list[Order] = []
    for order in source:
        if not query.accepts(order, now_s):
            continue
        if len(found) == limit:  # one more match exists: there is a next page
            return found, key_of(query, found[-1], now_s)
        found.append(order)
    return found, None


def make_token(
    kind: str, account: Account, request_hash: str, query: Query, resume: tuple[int, str], now_s: int
) -> str:
    return encode({"k": kind, "a": account.key, "h": request_hash, "q": query.to_json(), "r": list(resume), "i": now_s})


def read_token(kit: SandboxKit, operation: str, kind: str, account: Account, token: str, now_s: int) -> dict[str, Any]:
    """Decode and check a page token; PAGE_TOKEN_EXPIRED and the 24 h lifetime answer 400 InvalidInput."""
    state = decode(token)
    if state is None or state.get("k") != kind or state.get("a") != account.key:
        raise invalid_input(operation, "Invalid pagination token")
    if kit.faults.take_one(operation, FaultKind.PAGE_TOKEN_EXPIRED, account.key) or (
        now_s - int(state["i"]) > PAGE_TOKEN_LIFETIME_SECONDS
    ):
        raise invalid_input(operation, "The pagination token has expired")  # modelled wording
    return state


def continuation_faults(
    kit: SandboxKit, operation: str, account: Account, state: dict[str, Any], now_s: int
) -> Order | None:
    """DUPLICATE_ACROSS_PAGES returns the previous page's last order to serve again; CHANGE_BETWEEN_PAGES
    updates that already-served order now (its lastUpdatedTime moves forward)."""
    last = account.orders.get(str(state["r"][1]))
    if last is None:
        return None
    if kit.faults.take_one(operation, FaultKind.CHANGE_BETWEEN_PAGES, account.key) and last.touch(now_s):
        account.add_touch(last, now_s)
    if kit.faults.take_one(operation, FaultKind.DUPLICATE_ACROSS_PAGES, account.key):
        return last
    return None


def request_hash(values: dict[str, Any]) -> str:
    return filters_hash(values)
