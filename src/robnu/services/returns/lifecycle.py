"""A return's life after the sync writes it: an event for every status the marketplace reports, the AWB of each
leg (the forward shipment and the way back), and the date by which it must be received or claimed.

``claim_due_at`` = the return's creation + the claim window: the account's own window if set, else the
marketplace card's ``CLAIM_WINDOW_DAYS`` row (60 days by default), whichever is shorter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.claims_models import OrderReturnEvent, ReturnAwb
from robnu.db.models import Marketplace, MarketplaceAccount, OrderReturn, Shipment
from robnu.db.money_models import ReconciliationSettings
from robnu.domain.claims import ReturnInternalStatus
from robnu.domain.clock import IST
from robnu.domain.fee_rules import NoFeeRule
from robnu.domain.records import ReturnRecord
from robnu.domain.statuses import ReturnStatus
from robnu.services.reconciliation.rates import published_card

DEFAULT_WINDOW_DAYS = 60


def claim_window_days(session: Session, account: MarketplaceAccount, on: datetime) -> int:
    code = session.scalar(select(Marketplace.code).where(Marketplace.id == account.marketplace_id)) or ""
    try:
        card_days = int(published_card(code).find("CLAIM_WINDOW_DAYS", on.astimezone(IST).date()).flat)
    except NoFeeRule:
        card_days = DEFAULT_WINDOW_DAYS
    own = session.scalar(
        select(ReconciliationSettings.claim_window_days).where(
            ReconciliationSettings.marketplace_account_id == account.id
        )
    )
    return min(card_days, own) if own else card_days


def track_synced(
    session: Session, account: MarketplaceAccount, records: Sequence[ReturnRecord], ids: dict[str, int], now: datetime
) -> None:
    """After the returns writer stored ``records`` (``ids``: external id -> row id): record new statuses as
    events, the AWB of each leg, the claim date of returns that have none, and cancelled returns."""
    written = [r for r in records if r.external_id in ids]
    if not written:
        return
    rows = {
        r.id: r
        for r in session.scalars(select(OrderReturn).where(OrderReturn.id.in_([ids[x.external_id] for x in written])))
    }
    last_status: dict[int, str | None] = {}
    for event in session.scalars(
        select(OrderReturnEvent)
        .where(OrderReturnEvent.return_id.in_(list(rows)), OrderReturnEvent.kind == "STATUS")
        .order_by(OrderReturnEvent.id)
    ):
        last_status[event.return_id] = event.status
    legs = {
        (a.return_id, a.leg, a.awb)
        for a in session.scalars(select(ReturnAwb).where(ReturnAwb.return_id.in_(list(rows))))
    }
    forward: dict[int, list[tuple[str, str | None]]] = {}
    order_ids = {r.order_id for r in rows.values() if r.order_id is not None}
    if order_ids:
        for sh in session.scalars(select(Shipment).where(Shipment.order_id.in_(order_ids), Shipment.awb.is_not(None))):
            assert sh.awb is not None
            forward.setdefault(sh.order_id, []).append((sh.awb, sh.courier))
    window: int | None = None
    for record in written:
        row = rows[ids[record.external_id]]
        if last_status.get(row.id) != record.raw_status:
            session.add(_event(row, record.source_updated_at, "STATUS", record.raw_status, str(record.status), "sync"))
        if row.claim_due_at is None:
            window = window or claim_window_days(session, account, now)
            created = row.requested_at or row.created_at
            row.claim_due_at = created + timedelta(days=window)
        if record.status is ReturnStatus.CANCELLED and row.internal_status == ReturnInternalStatus.AWAITING:
            row.internal_status = ReturnInternalStatus.CANCELLED
        wanted: list[tuple[str, str, str | None]] = [("RETURN", record.return_awb, None)] if record.return_awb else []
        wanted += [("FORWARD", awb, courier) for awb, courier in forward.get(row.order_id or -1, [])]
        for leg, awb, courier in wanted:
            if awb and (row.id, leg, awb) not in legs:
                legs.add((row.id, leg, awb))
                session.add(
                    ReturnAwb(
                        seller_id=row.seller_id,
                        marketplace_account_id=row.marketplace_account_id,
                        return_id=row.id,
                        leg=leg,
                        awb=awb,
                        courier=courier,
                    )
                )
    session.flush()


def _event(
    row: OrderReturn, at: datetime, kind: str, status: str | None, detail: str | None, actor: str
) -> OrderReturnEvent:
    return OrderReturnEvent(
        seller_id=row.seller_id,
        marketplace_account_id=row.marketplace_account_id,
        return_id=row.id,
        at=at,
        kind=kind,
        status=status,
        detail=detail,
        actor=actor,
    )


def add_event(
    session: Session, row: OrderReturn, at: datetime, kind: str, detail: str, actor: str, status: str | None = None
) -> None:
    session.add(_event(row, at, kind, status, detail[:500], actor))


def events(session: Session, return_id: int) -> list[OrderReturnEvent]:
    return list(
        session.scalars(
            select(OrderReturnEvent)
            .where(OrderReturnEvent.return_id == return_id)
            .order_by(OrderReturnEvent.at, OrderReturnEvent.id)
        ).all()
    )
