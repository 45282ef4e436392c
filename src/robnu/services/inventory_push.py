"""Deliver pending inventory tasks for one account in the marketplace's batch limits.

Per listing only the newest stock version is sent (older pending tasks are SUPERSEDED, and a task
older than what the listing last received is never sent), so a marketplace never sees an older
quantity after a newer one. Failed tasks retry with backoff until a budget, then go DEAD.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select

from robnu.adapters.errors import MarketplaceAuthError, MarketplaceError
from robnu.db.models import InventoryTask, Listing, MarketplaceAccount
from robnu.domain.errors import NotFound
from robnu.domain.records import InventoryPush, InventoryPushResult
from robnu.domain.statuses import InventoryTaskStatus
from robnu.security.redaction import redact
from robnu.services.accounts import adapter_for
from robnu.services.context import build_context
from robnu.services.runtime import Runtime
from robnu.services.validation import record_auth_failure

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class PushOutcome:
    sent: int = 0
    failed: int = 0
    superseded: int = 0
    dead: int = 0


def push_pending(rt: Runtime, account_id: int) -> PushOutcome:
    now = rt.clock.now()
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist")
        adapter = adapter_for(rt, account)
        rows = s.execute(
            select(InventoryTask, Listing)
            .join(Listing, Listing.id == InventoryTask.listing_id)
            .where(
                InventoryTask.marketplace_account_id == account_id,
                InventoryTask.status.in_([InventoryTaskStatus.PENDING, InventoryTaskStatus.FAILED]),
                or_(InventoryTask.next_attempt_at.is_(None), InventoryTask.next_attempt_at <= now),
            )
            .order_by(InventoryTask.priority.desc(), InventoryTask.stock_version.desc(), InventoryTask.id.desc())
        ).all()
        superseded = 0
        newest: dict[int, tuple[InventoryTask, Listing]] = {}
        for task, listing in rows:
            stale = listing.last_pushed_version is not None and task.stock_version <= listing.last_pushed_version
            if task.listing_id in newest or stale:
                task.status, task.updated_at = InventoryTaskStatus.SUPERSEDED, now
                superseded += 1
            else:
                newest[task.listing_id] = (task, listing)
        pushes = [
            InventoryPush(task.id, listing.seller_sku, listing.marketplace_sku, listing.external_id, task.quantity,
                          task.stock_version)
            for task, listing in newest.values()
        ]
        ctx = build_context(rt, s, adapter, account)
        try:
            results = adapter.push_inventory(ctx, pushes) if pushes else []
        except MarketplaceAuthError as exc:
            record_auth_failure(rt, account_id, exc)
            results = [InventoryPushResult(p.task_id, False, redact(str(exc)), retryable=False) for p in pushes]
        except MarketplaceError as exc:
            results = [InventoryPushResult(p.task_id, False, redact(str(exc))) for p in pushes]
        by_task = {task.id: (task, listing) for task, listing in newest.values()}
        sent = failed = dead = 0
        for result in results:
            task, listing = by_task[result.task_id]
            task.attempts += 1
            task.updated_at = now
            if result.ok:
                task.status, task.sent_at, task.last_error = InventoryTaskStatus.SENT, now, None
                listing.last_pushed_quantity, listing.last_pushed_version = task.quantity, task.stock_version
                sent += 1
            elif not result.retryable or task.attempts >= MAX_ATTEMPTS:
                task.status, task.last_error = InventoryTaskStatus.DEAD, (result.error or "")[:500]
                dead += 1
            else:
                task.status, task.last_error = InventoryTaskStatus.FAILED, (result.error or "")[:500]
                task.next_attempt_at = now + timedelta(seconds=min(3600, 30 * 2 ** (task.attempts - 1)))
                failed += 1
        return PushOutcome(sent, failed, superseded, dead)
