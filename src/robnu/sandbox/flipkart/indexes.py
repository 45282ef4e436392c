"""Per-account indexes of the Flipkart world and the record of what the seller pushed.

Indexes are plain lists kept sorted (``bisect``) so that every page is O(page): per filter group, shipments by
order date and by last update; per return source, returns by created and by updated time. ``heap`` holds each
shipment's next scheduled event so that ``World.tick`` moves only what is due.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def ts(at: datetime) -> float:
    return at.timestamp()


@dataclass
class AccountIndex:
    by_order: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    by_mod: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    ret_by_created: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    ret_by_mod: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    members: dict[str, dict[str, None]] = field(default_factory=dict)  # group -> ordered set of ids
    heap: list[tuple[float, int, str, int]] = field(default_factory=list)
    shipments: list[str] = field(default_factory=list)  # in creation order
    changes: int = 0  # timeline recomputations (seller actions, test data, generation): keys payout_cache


@dataclass
class Pushed:
    inventory: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    manifests: list[dict[str, Any]] = field(default_factory=list)
    cancels: list[dict[str, Any]] = field(default_factory=list)
    form_acks: list[dict[str, Any]] = field(default_factory=list)
    prices: list[dict[str, Any]] = field(default_factory=list)


def remove(values: list[tuple[float, str]], key: tuple[float, str]) -> None:
    pos = bisect_left(values, key)
    if pos < len(values) and values[pos] == key:
        del values[pos]
