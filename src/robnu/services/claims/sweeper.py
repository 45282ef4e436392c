"""The claim sweeper (daily, the ``CLAIM_SWEEPER`` schedule target): every return past its ``claim_due_at``
that was never received (and not cancelled) becomes ``claim_pending`` with a pending claim whose evidence is the
AWB trail and the absence of a receive scan. For an RTO the charge becomes an ``rto_leak`` adjustment joined to
the return (the RTO leak). Idempotent: a return already pending, received or claimed is left alone.

The claim asks for the returned units at their selling price plus what the marketplace charged for the order
(for an RTO: the freight both ways); a late scan later reopens it with the scan as evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import MarketplaceAccount, OrderItem, OrderReturn, OrderReturnItem, PayoutLineItem
from robnu.db.money_models import Adjustment, AdjustmentEvent
from robnu.domain.claims import ReturnInternalStatus
from robnu.domain.clock import IST
from robnu.domain.deductions import CATALOGUE, Posture, ReasonCode
from robnu.domain.statuses import ReturnStatus
from robnu.services.claims.claims import SYSTEM, open_claim
from robnu.services.claims.disputes import storage_for
from robnu.services.claims.evidence import assemble
from robnu.services.returns.lifecycle import add_event, claim_window_days
from robnu.services.runtime import Runtime


@dataclass
class SweepResult:
    examined: int = 0
    dated: int = 0  # returns that got their claim date now
    promoted: int = 0  # became claim_pending
    claims: list[str] = field(default_factory=list)
    disabled: bool = False


def _loss(s: Session, ret: OrderReturn) -> tuple[Decimal, Decimal]:
    """(value of the returned units, charges the marketplace took on the order) of a return never received."""
    items = s.execute(
        select(OrderReturnItem.order_item_external_id, OrderReturnItem.sku, OrderReturnItem.quantity).where(
            OrderReturnItem.return_id == ret.id
        )
    ).all()
    lines = s.scalars(select(OrderItem).where(OrderItem.order_id == ret.order_id)).all() if ret.order_id else []
    value = Decimal(0)
    for item_id, sku, qty in items:
        line = next((i for i in lines if i.external_id == item_id), None) or next(
            (i for i in lines if i.sku == sku), None
        )
        if line is not None:
            value += line.unit_price * qty
    charges = Decimal(0)
    if ret.kind == "RTO" and ret.order_id:  # nothing was sold: every debit on the order is the RTO's
        amounts = s.scalars(select(PayoutLineItem.amount).where(PayoutLineItem.order_id == ret.order_id)).all()
        charges = -sum((a for a in amounts if a < 0), Decimal(0))
    return value, charges


def sweep_account(rt: Runtime, s: Session, account: MarketplaceAccount, now: datetime) -> SweepResult:
    result = SweepResult()
    undated = s.scalars(
        select(OrderReturn).where(OrderReturn.marketplace_account_id == account.id, OrderReturn.claim_due_at.is_(None))
    ).all()
    if undated:
        window = timedelta(days=claim_window_days(s, account, now))
        for ret in undated:
            ret.claim_due_at = (ret.requested_at or ret.created_at) + window
            result.dated += 1
    due = s.scalars(
        select(OrderReturn)
        .where(
            OrderReturn.marketplace_account_id == account.id,
            OrderReturn.internal_status == ReturnInternalStatus.AWAITING,
            OrderReturn.claim_due_at < now,
            OrderReturn.status != ReturnStatus.CANCELLED,
        )
        .order_by(OrderReturn.claim_due_at, OrderReturn.id)
    ).all()
    storage = storage_for(rt)
    for ret in due:
        result.examined += 1
        ret.internal_status = ReturnInternalStatus.CLAIM_PENDING
        assert ret.claim_due_at is not None
        due_day = ret.claim_due_at.astimezone(IST).date().isoformat()
        add_event(
            s,
            ret,
            now,
            "CLAIM_PENDING",
            f"no receive scan by {due_day}",
            SYSTEM.name,
            ReturnInternalStatus.CLAIM_PENDING,
        )
        value, charges = _loss(s, ret)
        code = ReasonCode.RTO_LEAK if ret.kind == "RTO" else ReasonCode.RETURN_NOT_RECEIVED
        adjustment = _leak(s, ret, code, value + charges, now) if ret.kind == "RTO" else None
        claim = open_claim(
            s,
            seller_id=ret.seller_id,
            account_id=ret.marketplace_account_id,
            reason_code=code.value,
            amount=value + charges,
            actor=SYSTEM,
            now=now,
            adjustment=adjustment,
            order_return=ret,
            note=f"no receive scan by {due_day}: returned units {value}, charges {charges}",
        )
        assemble(s, storage, claim, now)
        result.promoted += 1
        result.claims.append(claim.reference)
    s.flush()
    return result


def _leak(s: Session, ret: OrderReturn, code: ReasonCode, amount: Decimal, now: datetime) -> Adjustment:
    entry = CATALOGUE[code]
    fingerprint = f"{code.value}:{ret.order_external_id}:{ret.external_id}"
    existing = s.scalar(
        select(Adjustment).where(
            Adjustment.marketplace_account_id == ret.marketplace_account_id, Adjustment.fingerprint == fingerprint
        )
    )
    if existing is not None:
        return existing
    row = Adjustment(
        seller_id=ret.seller_id,
        marketplace_account_id=ret.marketplace_account_id,
        fingerprint=fingerprint,
        period=now.astimezone(IST).strftime("%Y-%m"),
        order_id=ret.order_id,
        order_external_id=ret.order_external_id,
        return_id=ret.id,
        type=entry.adjustment_type.value,
        reason_code=code.value,
        posture=entry.posture.value,
        is_recoverable=entry.posture is Posture.RECOVERABLE,
        amount=amount,
        currency="INR",
        status="OPEN",
        detail=f"RTO {ret.external_id} charged, never received by its claim date",
        occurred_at=ret.claim_due_at,
        first_seen_at=now,
        last_seen_at=now,
    )
    s.add(row)
    s.flush()
    s.add(
        AdjustmentEvent(
            seller_id=row.seller_id,
            adjustment_id=row.id,
            at=now,
            action="FOUND",
            to_value=row.posture,
            actor=SYSTEM.name,
            reason=row.detail,
        )
    )
    return row


def sweep_claims(rt: Runtime, *, account_id: int | None = None) -> SweepResult:
    """Run the sweep for one account (a schedule) or every account; one transaction per account."""
    if not rt.settings.enable_claim_sweeper:
        return SweepResult(disabled=True)
    total = SweepResult()
    with rt.sessions() as s:
        ids = [account_id] if account_id is not None else list(s.scalars(select(MarketplaceAccount.id)).all())
    for aid in ids:
        with rt.session() as s:
            account = s.get(MarketplaceAccount, aid)
            if account is None:
                continue
            r = sweep_account(rt, s, account, rt.clock.now())
        total.examined += r.examined
        total.dated += r.dated
        total.promoted += r.promoted
        total.claims += r.claims
    return total
