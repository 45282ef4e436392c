"""Claims: open one (for a return, or for a recoverable adjustment), move it through its states, and write the
outcome back - a won claim adds a ``chargeback`` adjustment (the money recovered) to the payout it disputed, a
lost one marks its adjustment lost (the taxonomy's statistics count it). Every move is a claim event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.claims_models import ReturnClaim, ReturnClaimEvent
from robnu.db.models import OrderReturn
from robnu.db.money_models import Adjustment, AdjustmentEvent
from robnu.domain.claims import ClaimAction, ClaimStatus, next_status
from robnu.domain.deductions import AdjustmentType, Posture
from robnu.domain.errors import InvalidInput, NotFound
from robnu.services.reconciliation.payout_status import rejudge


@dataclass(frozen=True)
class Actor:
    """Who acts: a user of the seller, or the system (sweeper, CLI)."""

    name: str
    user_id: int | None = None


SYSTEM = Actor("system")


def get_claim(s: Session, claim_id: int | str, seller_id: int | None = None) -> ReturnClaim:
    """A claim by id or by its reference (CLM-000042)."""
    if isinstance(claim_id, str) and not claim_id.isdigit():
        row = s.scalar(select(ReturnClaim).where(ReturnClaim.reference == claim_id.strip().upper()))
    else:
        row = s.get(ReturnClaim, int(claim_id))
    if row is None or (seller_id is not None and row.seller_id != seller_id):
        raise NotFound(f"claim {claim_id} does not exist")
    return row


def _event(
    s: Session,
    claim: ReturnClaim,
    action: ClaimAction,
    before: str | None,
    actor: Actor,
    reason: str | None,
    now: datetime,
) -> None:
    s.add(
        ReturnClaimEvent(
            seller_id=claim.seller_id,
            claim_id=claim.id,
            at=now,
            action=action.value,
            from_status=before,
            to_status=claim.status,
            actor=actor.name,
            actor_user_id=actor.user_id,
            reason=(reason or "")[:500] or None,
        )
    )


def open_claim(
    s: Session,
    *,
    seller_id: int,
    account_id: int,
    reason_code: str,
    amount: Decimal,
    actor: Actor,
    now: datetime,
    adjustment: Adjustment | None = None,
    order_return: OrderReturn | None = None,
    note: str | None = None,
) -> ReturnClaim:
    """A new pending claim. One per return and one per adjustment: asking again returns the existing one."""
    existing = None
    if adjustment is not None:
        existing = s.scalar(select(ReturnClaim).where(ReturnClaim.adjustment_id == adjustment.id))
    if existing is None and order_return is not None:
        existing = s.scalar(select(ReturnClaim).where(ReturnClaim.return_id == order_return.id))
    if existing is not None:
        return existing
    claim = ReturnClaim(
        seller_id=seller_id,
        marketplace_account_id=account_id,
        reference=f"TMP-{uuid.uuid4().hex[:16]}",  # the real reference needs the row id
        return_id=order_return.id if order_return else None,
        adjustment_id=adjustment.id if adjustment else None,
        order_id=(adjustment.order_id if adjustment else None) or (order_return.order_id if order_return else None),
        status=ClaimStatus.PENDING.value,
        reason_code=reason_code,
        amount_claimed=amount,
        created_at=now,
        updated_at=now,
    )
    s.add(claim)
    s.flush()
    claim.reference = f"CLM-{claim.id:06d}"
    _event(s, claim, ClaimAction.CREATE, None, actor, note, now)
    s.flush()
    return claim


def transition(
    s: Session,
    claim: ReturnClaim,
    action: ClaimAction,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    amount: Decimal | None = None,
    marketplace_ref: str | None = None,
) -> ReturnClaim:
    """Move ``claim`` by ``action`` (the state machine refuses a move it does not allow) and write the outcome
    back to its adjustment."""
    before = claim.status
    claim.status = next_status(ClaimStatus(before), action).value
    claim.updated_at = now
    adjustment = s.get(Adjustment, claim.adjustment_id) if claim.adjustment_id else None
    if action is ClaimAction.FILE:
        claim.filed_at = now
        claim.marketplace_ref = marketplace_ref or claim.marketplace_ref
        _adjustment_status(s, adjustment, "DISPUTED", actor, now, f"claim {claim.reference} filed")
    elif action is ClaimAction.ACKNOWLEDGE:
        claim.marketplace_ref = marketplace_ref or claim.marketplace_ref
    elif action is ClaimAction.WIN:
        recovered = claim.amount_claimed if amount is None else amount
        if recovered <= 0:
            raise InvalidInput("amount", "a won claim recovers an amount above 0")
        claim.amount_recovered, claim.resolved_at, claim.needs_evidence = recovered, now, False
        _chargeback(s, claim, adjustment, recovered, now, actor)
    elif action is ClaimAction.LOSE:
        claim.amount_recovered, claim.resolved_at, claim.needs_evidence = Decimal(0), now, False
        _adjustment_status(s, adjustment, "LOST", actor, now, f"claim {claim.reference} lost: {reason or ''}")
    elif action is ClaimAction.CANCEL:
        claim.resolved_at = now
        _adjustment_status(s, adjustment, "OPEN", actor, now, f"claim {claim.reference} cancelled")
    elif action is ClaimAction.REOPEN:
        claim.resolved_at = None
        _adjustment_status(s, adjustment, "OPEN", actor, now, f"claim {claim.reference} reopened")
    elif action is ClaimAction.EVIDENCE:
        claim.needs_evidence = True
    _event(s, claim, action, before, actor, reason, now)
    if adjustment is not None:
        rejudge(s, adjustment.payout_id)  # DISPUTED while a dispute on the payout is open
    s.flush()
    return claim


def _adjustment_status(
    s: Session, adjustment: Adjustment | None, status: str, actor: Actor, now: datetime, why: str
) -> None:
    if adjustment is None or adjustment.status == status:
        return
    s.add(
        AdjustmentEvent(
            seller_id=adjustment.seller_id,
            adjustment_id=adjustment.id,
            at=now,
            action="STATUS",
            from_value=adjustment.status,
            to_value=status,
            actor=actor.name,
            actor_user_id=actor.user_id,
            reason=why[:500],
        )
    )
    adjustment.status = status
    adjustment.resolved_at = now if status in ("RECOVERED", "LOST") else None


def _chargeback(
    s: Session, claim: ReturnClaim, disputed: Adjustment | None, amount: Decimal, now: datetime, actor: Actor
) -> None:
    """The money a won claim recovered, written back as an adjustment against the payout it disputed."""
    _adjustment_status(s, disputed, "RECOVERED", actor, now, f"claim {claim.reference} won: {amount}")
    s.add(
        Adjustment(
            seller_id=claim.seller_id,
            marketplace_account_id=claim.marketplace_account_id,
            fingerprint=f"chargeback:{claim.reference}",
            period=disputed.period if disputed else None,
            payout_id=disputed.payout_id if disputed else None,
            order_id=claim.order_id,
            order_external_id=disputed.order_external_id if disputed else None,
            return_id=claim.return_id,
            source_adjustment_id=disputed.id if disputed else None,
            type=AdjustmentType.CHARGEBACK.value,
            reason_code=claim.reason_code,
            posture=Posture.RECOVERABLE.value,
            is_recoverable=False,  # already recovered: not in the claims queue
            amount=amount,
            currency="INR",
            status="RECOVERED",
            detail=f"recovered by claim {claim.reference}",
            occurred_at=now,
            first_seen_at=now,
            last_seen_at=now,
            resolved_at=now,
        )
    )


def parse_amount(text: str | None) -> Decimal | None:
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput("amount", f"{text!r} is not an amount") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput("amount", "must be an amount above 0")
    return value


def list_claims(
    s: Session, *, seller_id: int | None = None, account_id: int | None = None, status: str | None = None
) -> list[ReturnClaim]:
    q = select(ReturnClaim)
    if seller_id is not None:
        q = q.where(ReturnClaim.seller_id == seller_id)
    if account_id is not None:
        q = q.where(ReturnClaim.marketplace_account_id == account_id)
    if status is not None:
        try:
            q = q.where(ReturnClaim.status == ClaimStatus(status.strip().lower().replace("-", "_")).value)
        except ValueError:
            raise InvalidInput(
                "status", f"{status!r} is not one of {', '.join(c.value for c in ClaimStatus)}"
            ) from None
    return list(s.scalars(q.order_by(ReturnClaim.id)).all())


def claim_events(s: Session, claim_id: int) -> list[ReturnClaimEvent]:
    return list(
        s.scalars(
            select(ReturnClaimEvent).where(ReturnClaimEvent.claim_id == claim_id).order_by(ReturnClaimEvent.id)
        ).all()
    )
