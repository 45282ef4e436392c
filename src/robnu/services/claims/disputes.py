"""The one action from a recoverable adjustment to a filed dispute (the packet assembles itself), and resolving
a claim into a recovery."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.claims_models import ReturnClaim
from robnu.db.models import OrderReturn
from robnu.domain.claims import ClaimAction, ClaimStatus, parse_outcome
from robnu.domain.errors import InvalidInput
from robnu.services.claims.claims import Actor, get_claim, open_claim, transition
from robnu.services.claims.evidence import assemble
from robnu.services.reconciliation.adjustments import get_adjustment
from robnu.services.runtime import Runtime
from robnu.services.storage import Storage


def storage_for(rt: Runtime) -> Storage:
    """Where documents live (the same storage processing keeps slips, invoices and labels in)."""
    return rt.storage


def file_dispute(
    s: Session,
    storage: Storage,
    adjustment_id: int,
    *,
    actor: Actor,
    now: datetime,
    marketplace_ref: str | None = None,
    seller_id: int | None = None,
) -> ReturnClaim:
    """Open a claim for a recoverable adjustment, assemble its evidence packet and file it. Filing twice
    returns the claim already filed."""
    adjustment = get_adjustment(s, adjustment_id, seller_id)
    if not adjustment.is_recoverable:
        raise InvalidInput(
            "adjustment", f"{adjustment_id} is not recoverable ({adjustment.posture}): override it first"
        )
    if adjustment.status not in ("OPEN", "DISPUTED"):
        raise InvalidInput("adjustment", f"{adjustment_id} is {adjustment.status}: nothing to dispute")
    ret = s.get(OrderReturn, adjustment.return_id) if adjustment.return_id else None
    if ret is not None:  # a return has one claim: this one takes it only if no other claim holds it
        holder = s.scalar(select(ReturnClaim.adjustment_id).where(ReturnClaim.return_id == ret.id))
        ret = ret if holder is None or holder == adjustment.id else None
    claim = open_claim(
        s,
        seller_id=adjustment.seller_id,
        account_id=adjustment.marketplace_account_id,
        reason_code=adjustment.reason_code,
        amount=adjustment.amount,
        actor=actor,
        now=now,
        adjustment=adjustment,
        order_return=ret,
        note=f"dispute of adjustment {adjustment.id}",
    )
    if claim.status != ClaimStatus.PENDING:
        return claim
    assemble(s, storage, claim, now)
    return transition(
        s,
        claim,
        ClaimAction.FILE,
        actor=actor,
        now=now,
        reason="filed with its evidence packet",
        marketplace_ref=marketplace_ref,
    )


def file_claim(
    s: Session,
    storage: Storage,
    claim_ref: int | str,
    *,
    actor: Actor,
    now: datetime,
    marketplace_ref: str | None = None,
    seller_id: int | None = None,
) -> ReturnClaim:
    """File a pending claim (e.g. one the sweeper raised), assembling its evidence packet first."""
    claim = get_claim(s, claim_ref, seller_id)
    if claim.status != ClaimStatus.PENDING:
        raise InvalidInput("claim", f"{claim.reference} is {claim.status}: only a pending claim is filed")
    assemble(s, storage, claim, now)
    return transition(
        s,
        claim,
        ClaimAction.FILE,
        actor=actor,
        now=now,
        reason="filed with its evidence packet",
        marketplace_ref=marketplace_ref,
    )


def resolve(
    s: Session,
    claim_ref: int | str,
    outcome: str,
    *,
    actor: Actor,
    now: datetime,
    amount: Decimal | None = None,
    reason: str | None = None,
    seller_id: int | None = None,
) -> ReturnClaim:
    """Won (a chargeback adjustment records the money recovered) or lost (the taxonomy counts it)."""
    claim = get_claim(s, claim_ref, seller_id)
    return transition(s, claim, parse_outcome(outcome), actor=actor, now=now, amount=amount, reason=reason)
