"""Matching one order's expected lines against the lines the marketplace paid for it, across all payouts.

1. Exact: an expected line takes the first unmatched paid line of the same type, order line and amount.
2. A group counts as paid when one of its lines matched exactly, or a line of its first type was paid.
3. Pairing: an expected line of a paid group takes a paid line of the same type and order line whose amount
   differs (a delta); a line whose amount Robnu cannot compute takes any (unverified).
4. Left over: expected lines of paid groups are missing companions; required groups that were never paid are
   missing once their due date is covered by a published statement, pending before; paid lines nobody
   expected are unexpected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from robnu.services.reconciliation.expected.common import ExpectedGroup, ExpectedLine, Need


@dataclass(frozen=True)
class PaidLine:
    """A settlement line (PayoutLineItem) as matching sees it."""

    id: int
    external_id: str
    payout_id: int
    kind: str
    item: str | None
    amount: Decimal
    occurred_at: datetime | None


class Outcome(StrEnum):
    MATCHED = "MATCHED"  # same amount
    UNVERIFIED = "UNVERIFIED"  # paid, amount or justification not checkable
    DELTA = "DELTA"  # paid with another amount
    MISSING = "MISSING"  # expected, never paid (and due), or missing beside the rest of its group
    PENDING = "PENDING"  # expected, not due yet
    UNEXPECTED = "UNEXPECTED"  # paid, nothing explains it


@dataclass
class Pair:
    outcome: Outcome
    group: ExpectedGroup | None
    expected: ExpectedLine | None
    paid: PaidLine | None

    @property
    def expected_amount(self) -> Decimal:
        return self.expected.amount if self.expected and self.expected.amount is not None else Decimal(0)

    @property
    def paid_amount(self) -> Decimal:
        return self.paid.amount if self.paid else Decimal(0)


@dataclass
class OrderMatch:
    pairs: list[Pair] = field(default_factory=list)

    def of(self, outcome: Outcome) -> list[Pair]:
        return [p for p in self.pairs if p.outcome is outcome]


def _fits(expected: ExpectedLine, paid: PaidLine) -> bool:
    return expected.kind == paid.kind and (expected.item is None or expected.item == paid.item)


_NEED_ORDER = {Need.REQUIRED: 0, Need.OPTIONAL: 1, Need.UNVERIFIED: 2}


def match_order(
    groups: Sequence[ExpectedGroup], paid: Sequence[PaidLine], covered_until: datetime | None
) -> OrderMatch:
    """Match ``paid`` (every line paid for the order so far) against ``groups``. ``covered_until`` is the end
    of the newest statement the marketplace has published: a required line due before it is overdue."""
    ordered = sorted(groups, key=lambda g: _NEED_ORDER[g.need])
    lines = sorted(paid, key=lambda p: (p.occurred_at is None, p.occurred_at, p.id))
    free = {p.id: p for p in lines}
    result = OrderMatch()
    taken: dict[tuple[int, int], PaidLine] = {}  # (group index, line index) -> paid line
    verdict: dict[tuple[int, int], Outcome] = {}

    def take(gi: int, li: int, line: PaidLine, outcome: Outcome) -> None:
        taken[(gi, li)] = line
        verdict[(gi, li)] = outcome
        free.pop(line.id, None)

    # 1. exact amounts
    for gi, g in enumerate(ordered):
        for li, exp in enumerate(g.lines):
            if exp.amount is None:
                continue
            hit = next((p for p in free.values() if _fits(exp, p) and p.amount == exp.amount), None)
            if hit is not None:
                take(gi, li, hit, Outcome.UNVERIFIED if g.need is Need.UNVERIFIED else Outcome.MATCHED)
    # 2. which groups were paid at all
    paid_groups: set[int] = set()
    for gi, g in enumerate(ordered):
        if any((gi, li) in taken for li in range(len(g.lines))) or (
            g.lines and any(_fits(g.lines[0], p) for p in free.values())
        ):
            paid_groups.add(gi)
    # 3. pair the rest of paid groups
    for gi, g in enumerate(ordered):
        if gi not in paid_groups:
            continue
        for li, exp in enumerate(g.lines):
            if (gi, li) in taken:
                continue
            candidates = [p for p in free.values() if _fits(exp, p)]
            if not candidates:
                continue
            if exp.amount is None or g.need is Need.UNVERIFIED:
                take(gi, li, candidates[0], Outcome.UNVERIFIED)
                continue
            want = exp.amount
            hit = min(candidates, key=lambda p: abs(p.amount - want))
            take(gi, li, hit, Outcome.DELTA)
    # 4. what is left
    for gi, g in enumerate(ordered):
        for li, exp in enumerate(g.lines):
            if (gi, li) in taken:
                result.pairs.append(Pair(verdict[(gi, li)], g, exp, taken[(gi, li)]))
            elif gi in paid_groups:
                if g.need is not Need.UNVERIFIED and exp.amount is not None:
                    result.pairs.append(Pair(Outcome.MISSING, g, exp, None))
            elif g.need is Need.REQUIRED and exp.amount is not None:
                due = g.due_at is not None and covered_until is not None and g.due_at < covered_until
                result.pairs.append(Pair(Outcome.MISSING if due else Outcome.PENDING, g, exp, None))
    for p in free.values():
        result.pairs.append(Pair(Outcome.UNEXPECTED, None, None, p))
    return result
