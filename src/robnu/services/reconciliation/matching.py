"""Matching one order's expected lines against the lines the marketplace paid for it, across all payouts.

1. A group (the lines one event causes) counts as paid when its first line - the charge that causes the
   rest - was paid: with the same amount, else as a delta (another amount) or unverified (Robnu cannot
   compute it). Its other lines are then matched: the same type, order line and amount first, then deltas.
   A line never matches into a group whose cause was not paid (two penalties' identical GST lines stay apart).
2. Left over: expected lines of paid groups are missing companions; required groups that were never paid are
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

    def exact(gi: int, li: int) -> bool:
        g, exp = ordered[gi], ordered[gi].lines[li]
        if exp.amount is None or (gi, li) in taken:
            return False
        hit = next((p for p in free.values() if _fits(exp, p) and p.amount == exp.amount), None)
        if hit is not None:
            take(gi, li, hit, Outcome.UNVERIFIED if g.need is Need.UNVERIFIED else Outcome.MATCHED)
        return hit is not None

    def pair(gi: int, li: int) -> bool:
        g, exp = ordered[gi], ordered[gi].lines[li]
        candidates = [p for p in free.values() if _fits(exp, p)]
        if (gi, li) in taken or not candidates:
            return False
        if exp.amount is None or g.need is Need.UNVERIFIED:
            take(gi, li, candidates[0], Outcome.UNVERIFIED)
        else:
            want = exp.amount
            take(gi, li, min(candidates, key=lambda p: abs(p.amount - want)), Outcome.DELTA)
        return True

    # 1. a group is paid when its causing charge (its first line type, one per order line) is: every group's
    # causes exactly first, then as deltas
    causes = {gi: [li for li, exp in enumerate(g.lines) if exp.kind == g.lines[0].kind] for gi, g in enumerate(ordered)}
    paid_groups: set[int] = set()
    for gi, lis in causes.items():
        if [li for li in lis if exact(gi, li)]:
            paid_groups.add(gi)
    for gi, lis in causes.items():
        if [li for li in lis if pair(gi, li)]:
            paid_groups.add(gi)
    # 2. the other lines of paid groups: exactly first, then as deltas (or unverified)
    for gi in sorted(paid_groups):
        for li in range(len(ordered[gi].lines)):
            exact(gi, li)
    for gi in sorted(paid_groups):
        for li in range(len(ordered[gi].lines)):
            pair(gi, li)
    # 3. what is left
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
