"""Running a reconciliation batch for (account, period) and keeping it: the batch row, one item per matched
line, one adjustment per difference (kept by fingerprint across re-runs), the three-way match per payout and
the aging of what is open. Re-running the period makes the next run and records what changed since the last
one; a difference gone on re-run (the marketplace corrected the payout) is marked CORRECTED."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from robnu.adapters.errors import TransientMarketplaceError
from robnu.db.models import Marketplace, MarketplaceAccount, MarketplacePayout
from robnu.db.money_models import Adjustment, AdjustmentEvent, PayoutVersion, ReconciliationBatch, ReconciliationItem
from robnu.domain.deductions import Posture, aging_bucket, reason
from robnu.domain.errors import NotFound
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.statuses import SyncRunStatus
from robnu.services.reconciliation.bank import credits_for, match_credits
from robnu.services.reconciliation.compute import Found, PeriodResult, compute_period
from robnu.services.reconciliation.matching import Pair
from robnu.services.reconciliation.payout_status import judge
from robnu.services.reconciliation.period import bounds, parse_period, settled_on
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine

OPEN_STATUSES = ("OPEN", "DISPUTED")


@dataclass(frozen=True)
class PayoutMatch:
    """One payout's three legs: what Robnu's ledger says it should be, what the statement says, what the bank
    credited."""

    payout_id: int
    external_id: str
    settled_on: datetime
    ledger: Decimal
    settlement: Decimal
    bank: Decimal | None
    status: str  # MATCHED, DELTA (ledger vs settlement), BANK_SHORT, BANK_MISSING, NOT_PAID


@dataclass
class BatchSummary:
    batch_id: int
    account_id: int
    marketplace: str
    period: str
    run_no: int
    payouts: int
    lines: int
    matched: int
    deltas: int
    unverified: int
    recoverable_total: Decimal
    expected_total: Decimal
    settled_total: Decimal
    bank_total: Decimal | None
    adjustments: list[Adjustment] = field(default_factory=list)
    three_way: list[PayoutMatch] = field(default_factory=list)
    aging: dict[str, dict[str, str]] = field(default_factory=dict)
    diff: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    payout_statuses: dict[str, int] = field(default_factory=dict)  # paid payouts by verdict: RECONCILED …


def account_and_code(session: Session, account_id: int) -> tuple[MarketplaceAccount, str]:
    account = session.get(MarketplaceAccount, account_id)
    if account is None:
        raise NotFound(f"account {account_id} does not exist")
    code = session.scalar(select(Marketplace.code).where(Marketplace.id == account.marketplace_id))
    assert code is not None
    return account, code


RESYNC_BEFORE = timedelta(days=45)  # a payout of the period may cover a cycle that began this long before it


def reconcile_period(
    rt: Runtime, account_id: int, period: str, *, actor: str = "system", resync: bool = False
) -> BatchSummary:
    """Reconcile ``period`` (YYYY-MM) of the account's payouts and store the batch (one transaction).

    ``resync`` first re-reads the account's payouts around the period from the marketplace: a payout it
    re-issued since is re-ingested (its old lines kept as a version) and this run reconciles the new one."""
    period = parse_period(period)
    if resync:
        start, _ = bounds(period)
        outcome = SyncEngine(rt).run(account_id, ScheduleTarget.PAYOUTS, since=start - RESYNC_BEFORE)
        if outcome.status not in (SyncRunStatus.SUCCEEDED, SyncRunStatus.PARTIAL):
            raise TransientMarketplaceError(f"re-reading the payouts failed: {outcome.error or outcome.status}")
    with rt.session() as s:
        account, code = account_and_code(s, account_id)
        now = rt.clock.now()
        match_credits(s, account.seller_id)
        result = compute_period(s, account, code, period)
        return _store(s, account, result, now, actor)


def _store(s: Session, account: MarketplaceAccount, result: PeriodResult, now: datetime, actor: str) -> BatchSummary:
    previous = s.scalars(
        select(ReconciliationBatch)
        .where(ReconciliationBatch.marketplace_account_id == account.id, ReconciliationBatch.period == result.period)
        .order_by(ReconciliationBatch.run_no.desc())
        .limit(1)
    ).first()
    batch = ReconciliationBatch(
        seller_id=account.seller_id,
        marketplace_account_id=account.id,
        period=result.period,
        run_no=(previous.run_no + 1) if previous else 1,
        status="RECONCILED",
        started_at=now,
        expected_total=Decimal(0),
        settled_total=Decimal(0),
        recoverable_total=Decimal(0),
        previous_id=previous.id if previous else None,
    )
    s.add(batch)
    s.flush()
    before = _period_adjustments(s, account.id, result.period)
    snapshot = {a.fingerprint: (a.amount, a.status) for a in before.values()}
    adjustments = _upsert_adjustments(s, account, batch, result.found, before, now, actor)
    _write_items(s, account, batch, result, adjustments)
    three_way = _three_way(s, result)
    payout_statuses = judge(s, result.payouts, {m.payout_id: m.status for m in three_way})
    recoverable = [a for a in adjustments.values() if a.is_recoverable and a.status in OPEN_STATUSES]
    summary = BatchSummary(
        batch_id=batch.id,
        account_id=account.id,
        marketplace=result.marketplace,
        period=result.period,
        run_no=batch.run_no,
        payouts=len(result.payouts),
        lines=sum(1 for i in result.items if i.line is not None),
        matched=sum(1 for i in result.items if i.status == "MATCHED"),
        deltas=len(adjustments),
        unverified=sum(1 for i in result.items if i.status == "UNVERIFIED"),
        recoverable_total=sum((a.amount for a in recoverable), Decimal(0)),
        expected_total=sum((m.ledger for m in three_way), Decimal(0)),
        settled_total=sum((m.settlement for m in three_way), Decimal(0)),
        bank_total=_bank_total(three_way),
        adjustments=sorted(adjustments.values(), key=lambda a: (a.reason_code, a.order_external_id or "")),
        three_way=three_way,
        aging=_aging(s, account.id, now),
        problems=result.problems,
        payout_statuses=payout_statuses,
    )
    summary.diff = _diff(snapshot, _period_adjustments(s, account.id, result.period), previous, s, result)
    batch.status = "DELTAS" if adjustments else "RECONCILED"
    batch.finished_at = now
    batch.payouts, batch.lines, batch.matched = summary.payouts, summary.lines, summary.matched
    batch.deltas, batch.unverified = summary.deltas, summary.unverified
    batch.expected_total, batch.settled_total = summary.expected_total, summary.settled_total
    batch.bank_total, batch.recoverable_total = summary.bank_total, summary.recoverable_total
    batch.diff = json.dumps(summary.diff, sort_keys=True, default=str)
    batch.summary = json.dumps(
        {"three_way": [m.__dict__ for m in three_way], "aging": summary.aging, "problems": result.problems},
        sort_keys=True,
        default=str,
    )
    s.flush()
    return summary


def _period_adjustments(s: Session, account_id: int, period: str) -> dict[str, Adjustment]:
    rows = s.scalars(
        select(Adjustment).where(
            Adjustment.marketplace_account_id == account_id,
            Adjustment.period == period,
            Adjustment.batch_id.is_not(None),
        )
    ).all()
    return {a.fingerprint: a for a in rows}


def _event(
    s: Session, a: Adjustment, action: str, now: datetime, actor: str, old: str | None, new: str | None, why: str
) -> None:
    s.add(
        AdjustmentEvent(
            seller_id=a.seller_id,
            adjustment_id=a.id,
            at=now,
            action=action,
            from_value=old,
            to_value=new,
            actor=actor,
            reason=why[:500],
        )
    )


def _upsert_adjustments(
    s: Session,
    account: MarketplaceAccount,
    batch: ReconciliationBatch,
    found: list[Found],
    before: dict[str, Adjustment],
    now: datetime,
    actor: str,
) -> dict[str, Adjustment]:
    seen: dict[str, Adjustment] = {}
    for f in found:
        d = f.difference
        entry = reason(d.reason.value)
        row = before.get(f.fingerprint) or s.scalar(
            select(Adjustment).where(
                Adjustment.marketplace_account_id == account.id, Adjustment.fingerprint == f.fingerprint
            )
        )
        detail = d.detail + "".join(f"\n{_describe(p)}" for p in d.pairs)
        if row is None:
            row = Adjustment(
                seller_id=account.seller_id,
                marketplace_account_id=account.id,
                fingerprint=f.fingerprint,
                period=batch.period,
                type=entry.adjustment_type.value,
                reason_code=entry.code.value,
                posture=entry.posture.value,
                is_recoverable=entry.posture is Posture.RECOVERABLE,
                status="OPEN",
                first_seen_at=now,
                last_seen_at=now,
                currency="INR",
                amount=d.owed,
            )
            s.add(row)
            s.flush()
            _event(s, row, "FOUND", now, actor, None, row.posture, d.detail)
        elif row.status == "CORRECTED":
            _event(s, row, "REAPPEARED", now, actor, row.status, "OPEN", "found again on re-run")
            row.status, row.resolved_at = "OPEN", None
        elif row.amount != d.owed:
            _event(s, row, "CHANGED", now, actor, str(row.amount), str(d.owed), "amount changed on re-run")
        row.batch_id, row.payout_id, row.order_id = batch.id, f.payout_id, f.order.id
        row.order_external_id = f.order.external_id
        row.return_id = next((r.id for r in f.order.returns), None)
        row.amount, row.expected_amount, row.actual_amount = d.owed, d.expected, d.paid
        row.detail, row.occurred_at, row.last_seen_at = detail[:4000], d.when, now
        seen[f.fingerprint] = row
    for fingerprint, row in before.items():
        if fingerprint not in seen and row.status in OPEN_STATUSES:
            _event(s, row, "CORRECTED", now, actor, row.status, "CORRECTED", "not found on re-run: the payout changed")
            row.status, row.resolved_at = "CORRECTED", now
    s.flush()
    return seen


def _describe(p: Pair) -> str:
    kind = p.paid.kind if p.paid else (p.expected.kind if p.expected else "")
    expected = p.expected.amount if p.expected and p.expected.amount is not None else "-"
    paid = p.paid.amount if p.paid else "-"
    return f"{p.outcome.value} {kind}: expected {expected}, paid {paid}"


def _write_items(
    s: Session,
    account: MarketplaceAccount,
    batch: ReconciliationBatch,
    result: PeriodResult,
    adjustments: dict[str, Adjustment],
) -> None:
    by_difference = {id(f.difference): adjustments.get(f.fingerprint) for f in result.found}
    rows = []
    for it in result.items:
        adjustment = by_difference.get(id(it.difference)) if it.difference is not None else None
        rows.append(
            {
                "seller_id": account.seller_id,
                "marketplace_account_id": account.id,
                "batch_id": batch.id,
                "payout_id": it.payout_id,
                "payout_line_id": it.line.id if it.line else None,
                "order_id": it.order.id if it.order else None,
                "order_external_id": it.order_external_id,
                "dedup_key": f"{result.marketplace}:{it.order_external_id or '-'}:{it.item or '-'}:{it.kind}"[:300],
                "line_type": it.kind[:64],
                "awb": it.order.awb if it.order else None,
                "expected_amount": it.expected,
                "actual_amount": it.actual,
                "status": "DELTA" if adjustment is not None and it.status != "MISSING" else it.status,
                "adjustment_id": adjustment.id if adjustment else None,
                "occurred_at": it.line.occurred_at if it.line else None,
            }
        )
    if rows:
        s.execute(insert(ReconciliationItem), rows)


def _three_way(s: Session, result: PeriodResult) -> list[PayoutMatch]:
    bank = credits_for(s, [p.id for p in result.payouts])
    ledger: dict[int, Decimal] = {p.id: Decimal(0) for p in result.payouts}
    for it in result.items:
        if it.payout_id in ledger:  # what Robnu expects; a line it cannot judge counts as paid
            if it.expected is not None:
                ledger[it.payout_id] += it.expected
            elif it.status == "UNVERIFIED" and it.actual is not None:
                ledger[it.payout_id] += it.actual
    out = []
    for p in result.payouts:
        credit = bank.get(p.id)
        if ledger[p.id] != p.net_amount:
            status = "DELTA"
        elif p.paid_at is None:
            status = "NOT_PAID"
        elif credit is None:
            status = "BANK_MISSING"
        elif credit != p.net_amount:
            status = "BANK_SHORT"
        else:
            status = "MATCHED"
        out.append(PayoutMatch(p.id, p.external_id, settled_on(p), ledger[p.id], p.net_amount, credit, status))
    return out


def _bank_total(matches: list[PayoutMatch]) -> Decimal | None:
    credits = [m.bank for m in matches if m.bank is not None]
    return sum(credits, Decimal(0)) if credits else None


def _aging(s: Session, account_id: int, now: datetime) -> dict[str, dict[str, str]]:
    """Open recoverable differences of the account by age (0-7, 8-14, 15-30, >30 days since the money moved)."""
    out: dict[str, dict[str, str]] = {}
    rows = s.scalars(
        select(Adjustment).where(
            Adjustment.marketplace_account_id == account_id,
            Adjustment.status.in_(OPEN_STATUSES),
            Adjustment.is_recoverable.is_(True),
        )
    ).all()
    for a in rows:
        bucket = aging_bucket((now - (a.occurred_at or a.first_seen_at)).days)
        entry = out.setdefault(bucket, {"count": "0", "amount": "0.00"})
        entry["count"] = str(int(entry["count"]) + 1)
        entry["amount"] = str(Decimal(entry["amount"]) + a.amount)
    return out


def _diff(
    before: dict[str, tuple[Decimal, str]],
    after: dict[str, Adjustment],
    previous: ReconciliationBatch | None,
    s: Session,
    result: PeriodResult,
) -> dict[str, Any]:
    """What changed since the previous run of the period: adjustments new, gone (corrected), changed; and the
    payout versions kept since then."""
    if previous is None:
        return {}
    live = {k: a for k, a in after.items() if a.status in OPEN_STATUSES}
    old_live = {k for k, (_, status) in before.items() if status in OPEN_STATUSES}
    versions = s.execute(
        select(MarketplacePayout.external_id, PayoutVersion.version, PayoutVersion.diff)
        .join(MarketplacePayout, MarketplacePayout.id == PayoutVersion.payout_id)
        .where(
            PayoutVersion.payout_id.in_([p.id for p in result.payouts]),
            PayoutVersion.captured_at >= previous.started_at,
            PayoutVersion.version > 1,
        )
    ).all()
    return {
        "previous_run": previous.run_no,
        "new": sorted(k for k in live if k not in old_live),
        "gone": sorted(k for k in old_live if k not in live),
        "changed": [
            {"fingerprint": k, "from": str(before[k][0]), "to": str(a.amount)}
            for k, a in sorted(live.items())
            if k in before and before[k][0] != a.amount
        ],
        "payout_versions": [{"payout": e, "version": v, "diff": json.loads(d)} for e, v, d in versions],
        "recoverable_before": str(previous.recoverable_total),
    }
