"""The receive scan: one input (a barcode read by a keyboard-wedge scanner, or typed) resolves to a return, and
the return is received.

Modes say what the input is: an AWB of either leg or a tracking number (``scan``), the marketplace's order id
(``order``), return id (``return``), forward shipment id (``shipment``), or a settlement / settlement-line id that
charged the return (``payout``). ``auto`` tries return, scan, shipment, order, payout in that order and takes the
first that finds anything. Among several returns, the one still awaited is taken; otherwise the input is
ambiguous and nothing changes.

The first scan sets ``received`` (when, by whom, where, and a damage note: a damaged return is still received
and can still be claimed). Repeats change nothing but are kept as scan events (the audit trail). A scan of a
return that already has a claim (the sweeper raised it, or an RTO leak was disputed) is late: the claim gets the
scan as new evidence and, if it was lost or cancelled, is reopened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from robnu.db.claims_models import ReturnAwb, ReturnClaim, ReturnScanEvent
from robnu.db.models import MarketplacePayout, Order, OrderReturn, PayoutLineItem, Shipment
from robnu.domain.claims import ClaimAction, ClaimStatus, ReturnInternalStatus, ScanMode, parse_scan_mode
from robnu.domain.errors import InvalidInput, NotFound
from robnu.services.claims.claims import Actor, transition
from robnu.services.claims.evidence import assemble
from robnu.services.returns.lifecycle import add_event
from robnu.services.storage import Storage

MAX_CODE = 100


@dataclass(frozen=True)
class ScanOutcome:
    return_id: int
    return_external_id: str
    order_external_id: str
    kind: str
    first: bool  # False: a repeat (audit only)
    matched_on: str
    internal_status: str
    received_at: datetime | None
    damage_note: str | None
    claim: str | None  # the claim the scan came late for, and what happened to it
    message: str


def _returns_of_orders(s: Session, order_ids: list[int]) -> list[OrderReturn]:
    if not order_ids:
        return []
    return list(s.scalars(select(OrderReturn).where(OrderReturn.order_id.in_(order_ids))).all())


def _by_return(s: Session, seller_id: int, code: str) -> list[OrderReturn]:
    return list(
        s.scalars(select(OrderReturn).where(OrderReturn.seller_id == seller_id, OrderReturn.external_id == code)).all()
    )


def _by_awb(s: Session, seller_id: int, code: str) -> list[OrderReturn]:
    legs = select(ReturnAwb.return_id).where(ReturnAwb.seller_id == seller_id, ReturnAwb.awb == code)
    found = list(
        s.scalars(
            select(OrderReturn).where(
                OrderReturn.seller_id == seller_id, or_(OrderReturn.return_awb == code, OrderReturn.id.in_(legs))
            )
        ).all()
    )
    if found:
        return found
    orders = s.scalars(select(Shipment.order_id).where(Shipment.seller_id == seller_id, Shipment.awb == code)).all()
    return _returns_of_orders(s, list(orders))


def _by_shipment(s: Session, seller_id: int, code: str) -> list[OrderReturn]:
    orders = s.scalars(
        select(Shipment.order_id).where(Shipment.seller_id == seller_id, Shipment.external_id == code)
    ).all()
    return _returns_of_orders(s, list(orders))


def _by_order(s: Session, seller_id: int, code: str) -> list[OrderReturn]:
    orders = s.scalars(select(Order.id).where(Order.seller_id == seller_id, Order.external_id == code)).all()
    return _returns_of_orders(s, list(orders))


def _by_payout(s: Session, seller_id: int, code: str) -> list[OrderReturn]:
    payouts = select(MarketplacePayout.id).where(
        MarketplacePayout.seller_id == seller_id, MarketplacePayout.external_id == code
    )
    orders = s.scalars(
        select(PayoutLineItem.order_id)
        .where(
            PayoutLineItem.seller_id == seller_id,
            or_(PayoutLineItem.external_id == code, PayoutLineItem.payout_id.in_(payouts)),
            PayoutLineItem.order_id.is_not(None),
        )
        .distinct()
    ).all()
    return _returns_of_orders(s, [o for o in orders if o is not None])


_RESOLVERS: dict[ScanMode, tuple[str, Callable[[Session, int, str], list[OrderReturn]]]] = {
    ScanMode.RETURN: ("return_id", _by_return),
    ScanMode.SCAN: ("awb", _by_awb),
    ScanMode.SHIPMENT: ("shipment_id", _by_shipment),
    ScanMode.ORDER: ("order_id", _by_order),
    ScanMode.PAYOUT: ("payout", _by_payout),
}


def _clean(code: str) -> str:
    text = code.strip()
    if not text:
        raise InvalidInput("code", "is empty: scan a barcode or type an AWB, order, return or shipment id")
    if len(text) > MAX_CODE:
        raise InvalidInput("code", f"is longer than {MAX_CODE} characters")
    return text


def resolve(
    s: Session, seller_id: int, code: str, mode: str | ScanMode = ScanMode.AUTO
) -> tuple[str, list[OrderReturn]]:
    """(what matched, the candidate returns) for ``code``; the preview a scan page shows before it commits."""
    text = _clean(code)
    wanted = parse_scan_mode(mode) if isinstance(mode, str) else mode
    order = list(_RESOLVERS) if wanted is ScanMode.AUTO else [wanted]
    for m in order:
        name, find = _RESOLVERS[m]
        found = find(s, seller_id, text)
        if found:
            return name, sorted(found, key=lambda r: r.id)
    return "", []


def _pick(code: str, candidates: list[OrderReturn]) -> OrderReturn:
    if len(candidates) == 1:
        return candidates[0]
    waiting = [
        r
        for r in candidates
        if r.internal_status in (ReturnInternalStatus.AWAITING, ReturnInternalStatus.CLAIM_PENDING)
    ]
    if len(waiting) == 1:
        return waiting[0]
    names = ", ".join(f"{r.external_id} ({r.kind})" for r in candidates[:5])
    raise InvalidInput("code", f"{code!r} matches {len(candidates)} returns ({names}): scan the return's own id or AWB")


def scan(
    s: Session,
    storage: Storage,
    seller_id: int,
    code: str,
    *,
    actor: Actor,
    now: datetime,
    mode: str | ScanMode = ScanMode.AUTO,
    damage_note: str | None = None,
    warehouse: str | None = None,
) -> ScanOutcome:
    """Receive the return ``code`` resolves to. Idempotent: a repeat scan is recorded and changes nothing."""
    text = _clean(code)
    wanted = parse_scan_mode(mode) if isinstance(mode, str) else mode
    matched_on, candidates = resolve(s, seller_id, text, wanted)
    if not candidates:
        raise NotFound(f"no return of seller {seller_id} matches {text!r} (mode {wanted.value})")
    ret = _pick(text, candidates)
    note = (damage_note or "").strip()[:500] or None
    first = ret.received_at is None
    s.add(
        ReturnScanEvent(
            seller_id=ret.seller_id,
            marketplace_account_id=ret.marketplace_account_id,
            return_id=ret.id,
            scanned_at=now,
            code=text,
            mode=wanted.value,
            matched_on=matched_on,
            first=first,
            damage_note=note,
            warehouse=(warehouse or "").strip()[:100] or None,
            actor=actor.name,
            actor_user_id=actor.user_id,
        )
    )
    claim_note = None
    if first:
        was = ret.internal_status
        ret.internal_status = ReturnInternalStatus.RECEIVED
        ret.received_at, ret.received_by, ret.received_by_user_id = now, actor.name, actor.user_id
        ret.received_warehouse, ret.damage_note = (warehouse or "").strip()[:100] or None, note
        detail = f"received ({'damaged: ' + note if note else 'no damage noted'}); scanned {text} as {matched_on}"
        add_event(s, ret, now, "RECEIVED", detail, actor.name, status=ReturnInternalStatus.RECEIVED)
        claim_note = _late(s, storage, ret, was, actor, now)
    s.flush()
    order_ext = ret.order_external_id
    if first:
        message = f"{ret.kind} {ret.external_id} of order {order_ext} received" + (" (damaged)" if note else "")
    else:
        when = ret.received_at.isoformat() if ret.received_at else ""
        message = f"{ret.kind} {ret.external_id} already received {when}: scan recorded"
    return ScanOutcome(
        ret.id,
        ret.external_id,
        order_ext,
        ret.kind,
        first,
        matched_on,
        ret.internal_status,
        ret.received_at,
        ret.damage_note,
        claim_note,
        message + (f"; {claim_note}" if claim_note else ""),
    )


def _late(s: Session, storage: Storage, ret: OrderReturn, was: str, actor: Actor, now: datetime) -> str | None:
    """A scan after a claim was raised for the return: the claim is reopened with the scan as new evidence."""
    claim = s.scalar(select(ReturnClaim).where(ReturnClaim.return_id == ret.id))
    if claim is None:
        return None
    why = f"received late ({now.isoformat()}, return was {was}): the claim needs its evidence updated"
    if claim.status in (ClaimStatus.RESOLVED_LOST, ClaimStatus.CANCELLED):
        transition(s, claim, ClaimAction.REOPEN, actor=actor, now=now, reason=why)
    transition(s, claim, ClaimAction.EVIDENCE, actor=actor, now=now, reason=why)
    assemble(s, storage, claim, now, kind="LATE_SCAN")
    add_event(s, ret, now, "LATE_SCAN", f"claim {claim.reference} reopened with evidence", actor.name)
    return f"claim {claim.reference} reopened with the late scan as evidence ({claim.status})"
