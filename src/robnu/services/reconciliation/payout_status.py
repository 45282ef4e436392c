"""A paid payout's status after reconciliation: RECONCILED when nothing about it is open, DISPUTED while a
difference on it is disputed, PAID otherwise (see docs/reconciliation.md, "Payout status").

The status column holds the marketplace's normalised status until Robnu has a verdict; the raw status always
keeps the marketplace's own word. Only a PAID payout gets a verdict (an open or scheduled statement may still
change). A sync that brings the same payout again keeps the verdict when the marketplace still says paid and
the statement is unchanged; a changed statement, or any other status, replaces it: the verdict was about
lines that are no longer the payout's, and the next reconciliation run gives a new one."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import MarketplacePayout, PayoutLineItem
from robnu.db.money_models import Adjustment
from robnu.domain.statuses import PAYOUT_VERDICTS, PayoutStatus

_JUDGED = frozenset({PayoutStatus.PAID, *PAYOUT_VERDICTS})


def verdict(adjustment_statuses: Collection[str], ledger: str | None) -> PayoutStatus:
    """The status of a paid payout from the statuses of the differences found on it and, when reconciliation
    just ran, its ledger-vs-settlement-vs-bank match (``PayoutMatch.status``; None outside a run).

    DISPUTED while any difference is disputed; PAID while any is open, when the bank credited less, or when
    the ledger and the statement disagree with no difference to explain it; RECONCILED otherwise (every line
    matched, or every difference recovered, lost, closed or corrected)."""
    if "DISPUTED" in adjustment_statuses:
        return PayoutStatus.DISPUTED
    if "OPEN" in adjustment_statuses or ledger == "BANK_SHORT":
        return PayoutStatus.PAID
    if ledger == "DELTA" and not adjustment_statuses:
        return PayoutStatus.PAID
    return PayoutStatus.RECONCILED


def synced_status(stored: str | None, incoming: str, statement_changed: bool) -> str:
    """What a sync writes over ``stored``: the verdict survives a re-sent, unchanged, still-paid payout."""
    if stored in PAYOUT_VERDICTS and incoming == PayoutStatus.PAID and not statement_changed:
        return stored
    return incoming


def _adjustment_statuses(s: Session, payout_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(payout_ids)
    out: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for payout_id, status in s.execute(
            select(Adjustment.payout_id, Adjustment.status).where(Adjustment.payout_id.in_(ids))
        ).tuples():
            if payout_id is not None:
                out[payout_id].append(status)
    return out


def _set(s: Session, payout: MarketplacePayout, status: PayoutStatus) -> bool:
    if payout.status == status:
        return False
    payout.status = status.value
    for line in s.scalars(select(PayoutLineItem).where(PayoutLineItem.payout_id == payout.id)):
        line.status = status.value  # a line carries its payout's status
    return True


def judge(s: Session, payouts: Iterable[MarketplacePayout], ledger: dict[int, str]) -> dict[str, int]:
    """Give each paid payout of a reconciliation run its verdict; returns how many payouts have each status."""
    judged = [p for p in payouts if p.status in _JUDGED]
    statuses = _adjustment_statuses(s, (p.id for p in judged))
    counts: dict[str, int] = {}
    for p in judged:
        _set(s, p, verdict(statuses[p.id], ledger.get(p.id)))
        counts[p.status] = counts.get(p.status, 0) + 1
    s.flush()
    return counts


def rejudge(s: Session, payout_id: int | None) -> None:
    """After a claim moved one of its differences (filed, won, lost, cancelled, reopened): DISPUTED while a
    dispute on the payout is open; when the last one ends, judged again from its differences (the next
    reconciliation run judges it with its ledger and bank legs too)."""
    payout = s.get(MarketplacePayout, payout_id) if payout_id is not None else None
    if payout is None or payout.status not in _JUDGED:
        return
    s.flush()  # the adjustment's new status is what is read
    statuses = _adjustment_statuses(s, [payout.id])[payout.id]
    if "DISPUTED" in statuses:
        _set(s, payout, PayoutStatus.DISPUTED)
    elif payout.status == PayoutStatus.DISPUTED:  # the last dispute ended: judged without the bank leg
        _set(s, payout, verdict(statuses, None))  # until the next run
    s.flush()
