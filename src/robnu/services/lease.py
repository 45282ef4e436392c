"""At most one run per (account, target), across processes and machines: a lease on the cursor row.

* Taken with one conditional UPDATE (free, or expired), so it is atomic on SQLite and PostgreSQL alike, and a
  crashed holder's lease simply runs out. Whoever takes a lease next marks the runs it finds still RUNNING
  for that (account, target) ``ABANDONED``: their process died, or stalled past its lease.
* Kept alive by time, not by records: a ``LeaseKeeper`` thread renews it every third of its length while
  the run waits on rate limits and pages (a walk of empty windows writes nothing for minutes).
* Fenced: every write transaction of a run first runs ``fence`` — an UPDATE of the cursor row that matches only
  while this run still owns the lease. A run that lost its lease (it stalled, the lease ran out and another
  run took it) finds no row, rolls the batch back and stops; it can never write alongside the new holder.
  The owner token is unique per run, so it is the fencing token.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from robnu.db.dialect import insert_for
from robnu.db.models import SyncCursor, SyncRun
from robnu.domain.clock import Clock
from robnu.domain.errors import RobnuError
from robnu.domain.statuses import SyncRunStatus

log = logging.getLogger(__name__)

MIN_BEAT_SECONDS = 0.2
MAX_BEAT_SECONDS = 20.0


class LeaseLost(RobnuError):
    """This run no longer holds its lease (it ran out and another run took it): it must not write again."""


def new_owner(prefix: str | None = None) -> str:
    """A lease owner token, unique per run: host, process and a random part (``prefix`` names the worker)."""
    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return f"{prefix}/{token}"[-100:] if prefix else token


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


def abandon_orphans(session: Session, account_id: int, target: str, now: datetime) -> int:
    """Mark ABANDONED the runs of (account, target) still RUNNING. Call it right after taking the lease, in the
    same transaction and before adding this run's row: holding the lease proves no other run is alive."""
    result = session.execute(
        update(SyncRun)
        .where(
            SyncRun.marketplace_account_id == account_id,
            SyncRun.target == target,
            SyncRun.status == SyncRunStatus.RUNNING,
        )
        .values(
            status=SyncRunStatus.ABANDONED,
            finished_at=now,
            error="its process stopped (killed, crashed or stalled) before it finished; the lease expired",
        )
    )
    count = int(result.rowcount)  # type: ignore[attr-defined]
    if count:
        log.warning("account %s %s: %d run(s) left RUNNING by a stopped process: ABANDONED", account_id, target, count)
    return count


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


def fence(session: Session, account_id: int, target: str, owner: str, now: datetime, ttl: timedelta) -> None:
    """Inside a write transaction, before its writes: renew the lease or raise ``LeaseLost``.

    The UPDATE locks the cursor row until the transaction ends, so no other run can take the lease between
    this check and the commit (on SQLite the write lock does the same)."""
    if not renew(session, account_id, target, owner, now, ttl):
        raise LeaseLost(f"account {account_id} {target}: the lease was taken over by another run")


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


def beat_seconds(ttl: timedelta) -> float:
    """How often a held lease is renewed: a third of its length (two beats may fail before it runs out)."""
    return max(MIN_BEAT_SECONDS, min(ttl.total_seconds() / 3, MAX_BEAT_SECONDS))


class LeaseKeeper:
    """Renews one run's lease on a timer, in its own thread and session, whatever the run is doing.

    ``lost`` is set when a renewal finds the lease owned by another run; the run checks it between records and
    ``fence`` stops any write regardless. ``on_beat`` (e.g. progress output) is called after every beat."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        account_id: int,
        target: str,
        owner: str,
        ttl: timedelta,
        on_beat: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._key = (account_id, target)
        self.owner = owner
        self.ttl = ttl
        self._on_beat = on_beat
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{account_id}-{target}", daemon=True)
        self.beats = 0

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=MAX_BEAT_SECONDS + 5)

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost(f"account {self._key[0]} {self._key[1]}: the lease was taken over by another run")

    def _run(self) -> None:
        interval = beat_seconds(self.ttl)
        while not self._stop.wait(interval):
            try:
                with self._sessions() as s, s.begin():
                    held = renew(s, *self._key, self.owner, self._clock.now(), self.ttl)
            except Exception:  # a database blip: the next beat tries again (the lease outlasts two misses)
                log.warning("account %s %s: lease renewal failed; retrying", *self._key, exc_info=True)
                continue
            self.beats += 1
            if not held:
                log.error("account %s %s: lease lost to another run; this run stops", *self._key)
                self.lost.set()
                return
            if self._on_beat is not None:
                try:
                    self._on_beat()
                except Exception:  # output must never stop a lease from being kept
                    log.debug("lease beat callback failed", exc_info=True)
