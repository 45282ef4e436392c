"""Adjustments after they are found: listing them, overriding a posture (always with an audit entry naming who
and why), and the taxonomy's statistics - what each reason cost, how its claims went, and whether its default
posture still looks right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.claims_models import ReturnClaim
from robnu.db.money_models import Adjustment, AdjustmentEvent
from robnu.domain.claims import ClaimStatus
from robnu.domain.deductions import CATALOGUE, Posture, ReasonCode, parse_posture
from robnu.domain.errors import InvalidInput, NotFound

# A reason whose claims are lost this often (with enough of them decided) suggests accepting the loss.
MIN_DECIDED = 3
LOSING_RATE = Decimal("0.25")


def get_adjustment(s: Session, adjustment_id: int, seller_id: int | None = None) -> Adjustment:
    row = s.get(Adjustment, adjustment_id)
    if row is None or (seller_id is not None and row.seller_id != seller_id):
        raise NotFound(f"adjustment {adjustment_id} does not exist")
    return row


def list_adjustments(
    s: Session,
    *,
    seller_id: int | None = None,
    account_id: int | None = None,
    period: str | None = None,
    status: str | None = None,
    recoverable_only: bool = False,
) -> list[Adjustment]:
    q = select(Adjustment)
    if seller_id is not None:
        q = q.where(Adjustment.seller_id == seller_id)
    if account_id is not None:
        q = q.where(Adjustment.marketplace_account_id == account_id)
    if period is not None:
        q = q.where(Adjustment.period == period)
    if status is not None:
        q = q.where(Adjustment.status == status.upper())
    if recoverable_only:
        q = q.where(Adjustment.is_recoverable.is_(True))
    return list(s.scalars(q.order_by(Adjustment.period, Adjustment.id)).all())


def override_posture(
    s: Session,
    adjustment_id: int,
    posture: str,
    *,
    reason: str,
    actor: str,
    now: datetime,
    actor_user_id: int | None = None,
    seller_id: int | None = None,
) -> Adjustment:
    """Set one adjustment's posture against its reason's default; the audit entry keeps from, to, who, why."""
    if not reason.strip():
        raise InvalidInput("reason", "an override needs a reason (it goes in the audit trail)")
    row = get_adjustment(s, adjustment_id, seller_id)
    target = parse_posture(posture)
    if target.value == row.posture:
        return row
    s.add(
        AdjustmentEvent(
            seller_id=row.seller_id,
            adjustment_id=row.id,
            at=now,
            action="POSTURE",
            from_value=row.posture,
            to_value=target.value,
            actor=actor,
            actor_user_id=actor_user_id,
            reason=reason.strip()[:500],
        )
    )
    row.posture = target.value
    row.is_recoverable = target is Posture.RECOVERABLE
    if target is Posture.ACCEPT_LOSS and row.status == "OPEN":
        row.status = "CLOSED"
    elif target is not Posture.ACCEPT_LOSS and row.status == "CLOSED":
        row.status = "OPEN"
    s.flush()
    return row


def history(s: Session, adjustment_id: int) -> list[AdjustmentEvent]:
    return list(
        s.scalars(
            select(AdjustmentEvent).where(AdjustmentEvent.adjustment_id == adjustment_id).order_by(AdjustmentEvent.id)
        ).all()
    )


@dataclass(frozen=True)
class ReasonStats:
    code: ReasonCode
    title: str
    default_posture: Posture
    found: int
    amount: Decimal
    overridden: int
    claims_won: int
    claims_lost: int
    recovered: Decimal
    suggested_posture: Posture  # what the claims' outcomes suggest the default should be


def taxonomy_stats(s: Session, seller_id: int) -> list[ReasonStats]:
    """Per reason of the catalogue: differences found, what they cost, overrides, and claims won and lost. A
    reason whose claims keep being lost suggests accepting the loss instead."""
    adjustments = s.scalars(select(Adjustment).where(Adjustment.seller_id == seller_id)).all()
    claims = s.scalars(select(ReturnClaim).where(ReturnClaim.seller_id == seller_id)).all()
    overrides = set(
        s.scalars(
            select(AdjustmentEvent.adjustment_id).where(
                AdjustmentEvent.seller_id == seller_id, AdjustmentEvent.action == "POSTURE"
            )
        ).all()
    )
    out = []
    for code, entry in CATALOGUE.items():
        mine = [a for a in adjustments if a.reason_code == code.value and a.type != "chargeback"]
        decided = [c for c in claims if c.reason_code == code.value]
        won = [c for c in decided if c.status == ClaimStatus.RESOLVED_WON]
        lost = [c for c in decided if c.status == ClaimStatus.RESOLVED_LOST]
        suggested = entry.posture
        n = len(won) + len(lost)
        if n >= MIN_DECIDED and Decimal(len(won)) / n < LOSING_RATE:
            suggested = Posture.ACCEPT_LOSS
        out.append(
            ReasonStats(
                code=code,
                title=entry.title,
                default_posture=entry.posture,
                found=len(mine),
                amount=sum((a.amount for a in mine), Decimal(0)),
                overridden=sum(1 for a in mine if a.id in overrides),
                claims_won=len(won),
                claims_lost=len(lost),
                recovered=sum((c.amount_recovered or Decimal(0) for c in won), Decimal(0)),
                suggested_posture=suggested,
            )
        )
    return out
