"""The free tier: full processing for 25 orders per seller per IST day; beyond that orders are held.

A slot is claimed with two statements in the caller's transaction: a claim row keyed by the order
(so a re-synced or re-processed order never counts twice) and a conditional increment of the day's
counter (``used < limit``), which is atomic on SQLite and PostgreSQL. If the increment finds the day
full, the claim is rolled back with it and the order stays held — exact under any concurrency.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from robnu.db.dialect import insert_for
from robnu.db.models import Seller
from robnu.db.stock_models import QuotaClaim, QuotaCounter
from robnu.domain.clock import ist_date
from robnu.domain.statuses import Plan

FREE_ORDERS_PER_DAY = 25


def daily_limit(plan: str) -> int | None:
    """Orders a day that get full processing; None is unlimited."""
    return FREE_ORDERS_PER_DAY if plan == Plan.FREE else None


def claim(session: Session, seller_id: int, order_id: int, now: datetime) -> bool:
    """True when the order may be processed now (a slot is taken, or was already taken by this order)."""
    plan = session.execute(select(Seller.plan).where(Seller.id == seller_id)).scalar_one()
    limit = daily_limit(plan)
    if limit is None:
        return True
    if session.get(QuotaClaim, order_id) is not None:
        return True
    day = ist_date(now)
    insert_fn = insert_for(session)
    with session.begin_nested():
        session.execute(
            insert_fn(QuotaCounter)
            .values(seller_id=seller_id, ist_day=day, used=0)
            .on_conflict_do_nothing(index_elements=["seller_id", "ist_day"])
        )
    nested = session.begin_nested()
    inserted = session.execute(
        insert_fn(QuotaClaim)
        .values(order_id=order_id, seller_id=seller_id, ist_day=day, claimed_at=now)
        .on_conflict_do_nothing(index_elements=["order_id"])
        .returning(QuotaClaim.order_id)
    ).first()
    if inserted is None:  # a concurrent run claimed it for this order a moment ago
        nested.commit()
        return True
    took = session.execute(
        update(QuotaCounter)
        .where(
            QuotaCounter.seller_id == seller_id,
            QuotaCounter.ist_day == day,
            QuotaCounter.used < limit,
        )
        .values(used=QuotaCounter.used + 1)
    ).rowcount  # type: ignore[attr-defined]
    if not took:
        nested.rollback()
        return False
    nested.commit()
    return True


def release(session: Session, order_id: int) -> bool:
    """Give back the order's slot (the flow found it is not the seller's to process, e.g. FBA): the claim
    row and the day's count go together, so a held order of that day can take the slot."""
    claim_day = session.execute(
        delete(QuotaClaim).where(QuotaClaim.order_id == order_id).returning(QuotaClaim.seller_id, QuotaClaim.ist_day)
    ).first()
    if claim_day is None:
        return False
    seller_id, day = claim_day
    session.execute(
        update(QuotaCounter)
        .where(QuotaCounter.seller_id == seller_id, QuotaCounter.ist_day == day, QuotaCounter.used > 0)
        .values(used=QuotaCounter.used - 1)
    )
    return True


def used_today(session: Session, seller_id: int, now: datetime) -> int:
    return int(
        session.execute(
            select(QuotaCounter.used).where(QuotaCounter.seller_id == seller_id, QuotaCounter.ist_day == ist_date(now))
        ).scalar_one_or_none()
        or 0
    )
