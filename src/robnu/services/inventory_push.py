"""Deliver pending inventory tasks for one account in the marketplace's batch limits.

1. Claim (one committed transaction): per listing keep only the newest stock version — older pending
   tasks and anything not newer than what the listing last received become SUPERSEDED — and mark the
   rest IN_FLIGHT, so a stock change during the push queues a new task instead of editing this one.
2. Send through the adapter (outside any transaction).
3. Record: SENT (and the listing's last pushed quantity/version, only ever moving forward), FAILED with
   backoff, or DEAD for permanent rejections or after the retry budget.
A marketplace therefore never sees an older quantity after a newer one — provided one push per account
runs at a time: two pushers could each send a version and the older one arrive last. So a push holds a
lease on (account, INVENTORY) (``services.lease``); a second push finds it taken and leaves the work to
the holder and the next run. IN_FLIGHT tasks left by a crashed process return to FAILED after
``STALE_IN_FLIGHT``. Task rows are locked in listing order, the order stock changes queue them in, so a
push and a sync never wait on each other in a cycle (a deadlock on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update

from robnu.adapters.errors import MarketplaceAuthError, MarketplaceError
from robnu.db.models import InventoryTask, Listing, MarketplaceAccount
from robnu.domain.errors import NotFound
from robnu.domain.records import InventoryPush, InventoryPushResult
from robnu.domain.statuses import InventoryTaskStatus
from robnu.security.redaction import redact
from robnu.services import journal as page_journal
from robnu.services import lease
from robnu.services.adapter_session import adapter_session
from robnu.services.runtime import Runtime
from robnu.services.validation import record_auth_failure

MAX_ATTEMPTS = 8
STALE_IN_FLIGHT = timedelta(minutes=15)


@dataclass(frozen=True)
class PushOutcome:
    sent: int = 0
    failed: int = 0
    superseded: int = 0
    dead: int = 0
    busy: bool = False  # another push of this account holds the lease: nothing was done


LEASE_TARGET = "INVENTORY"


def _claim(rt: Runtime, account_id: int) -> tuple[list[InventoryPush], int]:
    now = rt.clock.now()
    with rt.session() as s:
        s.execute(
            update(InventoryTask)
            .where(
                InventoryTask.marketplace_account_id == account_id,
                InventoryTask.status == InventoryTaskStatus.IN_FLIGHT,
                InventoryTask.updated_at < now - STALE_IN_FLIGHT,
            )
            .values(status=InventoryTaskStatus.FAILED, last_error="push interrupted", updated_at=now)
        )
        locked = s.execute(
            select(InventoryTask, Listing)
            .join(Listing, Listing.id == InventoryTask.listing_id)
            .where(
                InventoryTask.marketplace_account_id == account_id,
                InventoryTask.status.in_([InventoryTaskStatus.PENDING, InventoryTaskStatus.FAILED]),
                or_(InventoryTask.next_attempt_at.is_(None), InventoryTask.next_attempt_at <= now),
            )
            .order_by(InventoryTask.listing_id, InventoryTask.id)
            .with_for_update(of=InventoryTask)
        ).all()
        # Out of stock first, then per listing the newest version wins.
        rows = sorted(locked, key=lambda r: (-r[0].priority, -r[0].stock_version, -r[0].id))
        superseded = 0
        claimed: dict[int, InventoryPush] = {}
        for task, listing in rows:
            stale = listing.last_pushed_version is not None and task.stock_version <= listing.last_pushed_version
            if task.listing_id in claimed or stale:
                task.status, task.updated_at = InventoryTaskStatus.SUPERSEDED, now
                superseded += 1
                continue
            task.status, task.updated_at = InventoryTaskStatus.IN_FLIGHT, now
            claimed[task.listing_id] = InventoryPush(
                task.id,
                listing.seller_sku,
                listing.marketplace_sku,
                listing.external_id,
                task.quantity,
                task.stock_version,
            )
        return list(claimed.values()), superseded


def _send(rt: Runtime, account_id: int, pushes: list[InventoryPush]) -> list[InventoryPushResult]:
    # The marketplace's answers go to the journal, each saying which tasks the push carried.
    tasks = [p.task_id for p in pushes]
    with adapter_session(rt, account_id, page_journal.INVENTORY, purpose="inventory push", tasks=tasks) as work:
        try:
            results = work.adapter.push_inventory(work.ctx, pushes)
        except MarketplaceAuthError as exc:
            record_auth_failure(rt, account_id, exc)
            return [InventoryPushResult(p.task_id, False, redact(str(exc)), retryable=False) for p in pushes]
        except MarketplaceError as exc:
            return [InventoryPushResult(p.task_id, False, redact(str(exc))) for p in pushes]
    answered = {r.task_id for r in results}
    missing = [
        InventoryPushResult(p.task_id, False, "no result from the adapter") for p in pushes if p.task_id not in answered
    ]
    return [*results, *missing]


def _record(rt: Runtime, results: list[InventoryPushResult]) -> PushOutcome:
    now = rt.clock.now()
    sent = failed = dead = 0
    with rt.session() as s:
        for result in results:
            task = s.get(InventoryTask, result.task_id)
            assert task is not None
            task.attempts += 1
            task.updated_at = now
            if result.ok:
                task.status, task.sent_at, task.last_error = InventoryTaskStatus.SENT, now, None
                s.execute(
                    update(Listing)
                    .where(
                        Listing.id == task.listing_id,
                        or_(Listing.last_pushed_version.is_(None), Listing.last_pushed_version < task.stock_version),
                    )
                    .values(last_pushed_quantity=task.quantity, last_pushed_version=task.stock_version)
                )
                sent += 1
            elif not result.retryable or task.attempts >= MAX_ATTEMPTS:
                task.status, task.last_error = InventoryTaskStatus.DEAD, redact(result.error or "")[:500]
                dead += 1
            else:
                task.status, task.last_error = InventoryTaskStatus.FAILED, redact(result.error or "")[:500]
                task.next_attempt_at = now + timedelta(seconds=min(3600, 30 * 2 ** (task.attempts - 1)))
                failed += 1
    return PushOutcome(sent, failed, 0, dead)


def push_pending(rt: Runtime, account_id: int, *, owner: str | None = None) -> PushOutcome:
    owner = owner or lease.new_owner()
    now = rt.clock.now()
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist")
        lease.ensure_cursor(s, account.seller_id, account_id, LEASE_TARGET, now)
        if not lease.try_acquire(s, account_id, LEASE_TARGET, owner, now, STALE_IN_FLIGHT):
            return PushOutcome(busy=True)
    try:
        pushes, superseded = _claim(rt, account_id)
        if not pushes:
            return PushOutcome(superseded=superseded)
        outcome = _record(rt, _send(rt, account_id, pushes))
        return PushOutcome(outcome.sent, outcome.failed, superseded, outcome.dead)
    finally:
        with rt.session() as s:
            lease.release(s, account_id, LEASE_TARGET, owner)
