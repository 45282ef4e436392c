"""At most one run per (account, target), across processes and machines: a lease on the cursor row.

The lease is taken with one conditional UPDATE (free, or expired), so it is atomic on SQLite and
PostgreSQL alike, and a crashed holder's lease simply runs out.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from robnu.db.dialect import insert_for
from robnu.db.models import SyncCursor


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def ensure_cursor(session: Session, seller_id: int, account_id: int, target: str, now: datetime) -> None:
    insert_fn = insert_for(session)
    session.execute(
        insert_fn(SyncCursor)
        .values(seller_id=seller_id, marketplace_account_id=account_id, target=target, updated_at=now)
        .on_conflict_do_nothing(index_elements=["marketplace_account_id", "target"])
    )


def try_acquire(session: Session, account_id: int, target: str, owner: str, now: datetime, ttl: timedelta) -> bool:
    result = session.execute(
        update(SyncCursor)
        .where(
            SyncCursor.marketplace_account_id == account_id,
            SyncCursor.target == target,
            or_(
                SyncCursor.lease_owner.is_(None),
                SyncCursor.lease_expires_at < now,
                SyncCursor.lease_owner == owner,
            ),
        )
        .values(lease_owner=owner, lease_expires_at=now + ttl)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(session: Session, account_id: int, target: str, owner: str, now: datetime, ttl: timedelta) -> bool:
    result = session.execute(
        update(SyncCursor)
        .where(
            SyncCursor.marketplace_account_id == account_id,
            SyncCursor.target == target,
            SyncCursor.lease_owner == owner,
        )
        .values(lease_expires_at=now + ttl)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, account_id: int, target: str, owner: str) -> None:
    session.execute(
        update(SyncCursor)
        .where(
            SyncCursor.marketplace_account_id == account_id,
            SyncCursor.target == target,
            SyncCursor.lease_owner == owner,
        )
        .values(lease_owner=None, lease_expires_at=None)
    )


def high_water(session: Session, account_id: int, target: str) -> datetime | None:
    return session.execute(
        select(SyncCursor.high_water).where(
            SyncCursor.marketplace_account_id == account_id, SyncCursor.target == target
        )
    ).scalar_one_or_none()
