"""The sync engine: run one (account, target), recorded in sync_runs.

Flow: take the lease on (account, target) -> compute the window from the cursor
(high-water - overlap ... now - safety lag; a first run backfills; ``since`` re-syncs) -> stream the
adapter's records in batches, each batch upserted and committed -> quarantine what cannot be stored ->
move the cursor to the window end only when every batch is committed -> release the lease.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from robnu.adapters.base import AdapterContext, MarketplaceAdapter
from robnu.adapters.errors import FailureKind, MarketplaceAuthError, classify
from robnu.config import Settings
from robnu.db.models import MarketplaceAccount, SyncCursor, SyncQuarantine, SyncRun
from robnu.domain.errors import InvalidInput, NotFound, UnsupportedTarget
from robnu.domain.marketplace import SYNC_TARGETS, ScheduleTarget
from robnu.domain.records import Quarantine, SyncWindow
from robnu.domain.statuses import SyncRunStatus
from robnu.security.redaction import redact
from robnu.services import journal as page_journal
from robnu.services import lease
from robnu.services.accounts import adapter_for
from robnu.services.adapter_session import adapter_session
from robnu.services.read_ahead import read_ahead
from robnu.services.runtime import Runtime
from robnu.services.validation import record_auth_failure
from robnu.services.writers import BatchCounts, write_orders, write_payouts, write_returns

# Records per write transaction: at most BATCH_SIZE. A batch is written early, once it holds EARLY_BATCH, when
# the next record is not fetched yet: the writer would only wait (a rate-limited marketplace hands out a page
# a minute), and what is fetched shows up in Robnu meanwhile. When the writer is the slower side, batches are
# full: each one costs a lease check, a commit and a few lookups, ~10 ms on SQLite, so fewer is faster.
BATCH_SIZE = 1000
EARLY_BATCH = 100
log = logging.getLogger(__name__)

Reader = Callable[[MarketplaceAdapter, AdapterContext[Any], SyncWindow], Iterable[Any]]
Writer = Callable[[Session, MarketplaceAccount, Sequence[Any], datetime], BatchCounts]


@dataclass(frozen=True)
class _SyncTarget:
    read: Reader  # the adapter's records of the window, page by page
    write: Writer  # the leaf tables' idempotent upsert


_SYNCS: dict[ScheduleTarget, _SyncTarget] = {
    ScheduleTarget.ORDERS: _SyncTarget(lambda a, ctx, w: a.sync_orders(ctx, w), write_orders),
    ScheduleTarget.RETURNS: _SyncTarget(lambda a, ctx, w: a.sync_returns(ctx, w), write_returns),
    ScheduleTarget.PAYOUTS: _SyncTarget(lambda a, ctx, w: a.sync_payouts(ctx, w), write_payouts),
}


@dataclass(frozen=True)
class SyncOutcome:
    run_id: int
    status: SyncRunStatus
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    error: str | None = None
    failure: FailureKind | None = None  # why a FAILED run failed (``adapters.errors.classify``)


ProgressCallback = Callable[[int], None]


def _payload(record: Any) -> str:
    data = asdict(record) if is_dataclass(record) and not isinstance(record, type) else record
    return json.dumps(data, default=str)[:100_000]


def sync_window(
    settings: Settings,
    adapter: MarketplaceAdapter,
    now: datetime,
    *,
    since: datetime | None = None,
    high_water: datetime | None = None,
) -> SyncWindow:
    """The window a sync reads: from ``since`` if given, else from the cursor's high-water mark less the
    overlap, else the backfill; up to now less the safety lag (the adapter's, if longer than ours)."""
    lag = timedelta(seconds=max(settings.sync_safety_lag_seconds, adapter.min_safety_lag_seconds))
    end = now - lag
    if since is not None:
        start = since
    elif high_water is not None:
        start = high_water - timedelta(seconds=settings.sync_overlap_seconds)
    else:
        start = now - timedelta(days=settings.backfill_days)
    return SyncWindow(start=min(start, end), end=end)


class SyncEngine:
    def __init__(self, rt: Runtime, *, batch_size: int = BATCH_SIZE) -> None:
        self.rt = rt
        self.batch_size = batch_size

    def run(
        self,
        account_id: int,
        target: ScheduleTarget,
        *,
        since: datetime | None = None,
        owner: str | None = None,
        progress: ProgressCallback | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> SyncOutcome:
        """Sync one target of one account. ``on_start`` is told the run's id as soon as its row is committed
        (a caller that started the sync in the background can hand the id out to be polled)."""
        if target not in SYNC_TARGETS:
            raise UnsupportedTarget(f"{target} is not a sync target (use {', '.join(sorted(SYNC_TARGETS))})")
        rt = self.rt
        owner = lease.new_owner(owner)  # unique per run: it is the lease's fencing token
        ttl = timedelta(seconds=rt.settings.effective_lease_seconds(rt.engine.dialect.name))
        with rt.session() as s:
            account = s.get(MarketplaceAccount, account_id)
            if account is None:
                raise NotFound(f"account {account_id} does not exist")
            adapter = adapter_for(rt, account)
            if target not in adapter.supported_targets:
                raise UnsupportedTarget(f"{adapter.code} adapter does not support {target}")
            now = rt.clock.now()
            if since is not None:
                check_since(adapter, since, now)
            lease.ensure_cursor(s, account.seller_id, account.id, target, now)
            acquired = lease.try_acquire(s, account.id, target, owner, now, ttl)
            if acquired:
                lease.abandon_orphans(s, account.id, target, now)
            run = SyncRun(
                seller_id=account.seller_id,
                marketplace_account_id=account.id,
                target=target,
                status=SyncRunStatus.RUNNING if acquired else SyncRunStatus.SKIPPED,
                started_at=now,
                finished_at=None if acquired else now,
            )
            s.add(run)
            s.flush()
            run_id = run.id
        if on_start is not None:
            on_start(run_id)
        if not acquired:
            return SyncOutcome(run_id, SyncRunStatus.SKIPPED, error="another run holds the lease")
        try:
            return self._run_leased(account_id, adapter, target, run_id, since, owner, ttl, progress)
        except BaseException as exc:  # Ctrl-C, SIGTERM: the open batch is rolled back; say so on the run
            self._abandon(run_id, f"interrupted ({type(exc).__name__}) before it finished; the cursor did not move")
            raise
        finally:
            with rt.session() as s:
                lease.release(s, account_id, target, owner)

    def _window(
        self,
        session: Session,
        adapter: MarketplaceAdapter,
        account_id: int,
        target: str,
        since: datetime | None,
    ) -> SyncWindow:
        mark = None if since is not None else lease.high_water(session, account_id, target)
        return sync_window(self.rt.settings, adapter, self.rt.clock.now(), since=since, high_water=mark)

    def _run_leased(
        self,
        account_id: int,
        adapter: MarketplaceAdapter,
        target: ScheduleTarget,
        run_id: int,
        since: datetime | None,
        owner: str,
        ttl: timedelta,
        progress: ProgressCallback | None,
    ) -> SyncOutcome:
        rt = self.rt
        started = time.perf_counter()
        totals = BatchCounts()
        fetched = quarantined = 0
        sync = _SYNCS[target]
        writer = sync.write
        window: SyncWindow | None = None
        # A time-based heartbeat keeps the lease while the adapter waits on rate limits and pages; progress is
        # reported on every beat too, so a long walk of empty windows shows it is alive.
        keeper = lease.LeaseKeeper(
            rt.sessions,
            rt.clock,
            account_id,
            target,
            owner,
            ttl,
            on_beat=(lambda: progress(fetched)) if progress else None,
        )
        try:
            with rt.session() as s:
                window = self._window(s, adapter, account_id, target, since)
                s.execute(
                    update(SyncRun).where(SyncRun.id == run_id).values(window_start=window.start, window_end=window.end)
                )
            # Every page the adapter is handed goes to the journal (recorded in the read-ahead thread, written by
            # the journal's own writer thread); it is closed after the session, while the lease is still kept.
            opened = adapter_session(
                rt, account_id, page_journal.SYNC, purpose=f"sync {target}", run_id=run_id, target=target, window=window
            )
            with keeper, opened as work:
                s, account, ctx, journal = work.session, work.account, work.ctx, work.journal
                batch: list[Any] = []
                ahead = rt.settings.sync_read_ahead_records
                with read_ahead(sync.read(adapter, ctx, window), ahead, name=f"sync-{account_id}-{target}") as records:
                    for record in records:
                        keeper.check()  # the lease was lost: stop reading (and fence refuses any write)
                        fetched += 1
                        if isinstance(record, Quarantine):
                            self._quarantine(s, account, run_id, target, record)
                            quarantined += 1
                            continue
                        batch.append(record)
                        if len(batch) >= self.batch_size or (
                            len(batch) >= min(EARLY_BATCH, self.batch_size) and records.would_wait()
                        ):
                            q = self._flush(s, account, run_id, target, writer, batch, totals, owner, ttl)
                            quarantined += q
                            batch = []
                            if journal is not None:
                                journal.hand_over()
                            if progress:
                                progress(fetched)
                if batch:
                    quarantined += self._flush(s, account, run_id, target, writer, batch, totals, owner, ttl)
                if progress:
                    progress(fetched)
                # Every batch is committed: only now may the cursor move (and only while the lease is ours).
                lease.fence(s, account_id, target, owner, rt.clock.now(), ttl)
                s.execute(
                    update(SyncCursor)
                    .where(
                        SyncCursor.marketplace_account_id == account_id,
                        SyncCursor.target == target,
                    )
                    .values(high_water=window.end, updated_at=rt.clock.now())
                )
                status = SyncRunStatus.PARTIAL if quarantined else SyncRunStatus.SUCCEEDED
                self._finish(s, run_id, status, fetched, totals, quarantined, started, None)
                s.commit()
            return SyncOutcome(run_id, status, fetched, totals.inserted, totals.updated, totals.unchanged, quarantined)
        except MarketplaceAuthError as exc:
            record_auth_failure(rt, account_id, exc)
            return self._failed(run_id, fetched, totals, quarantined, started, exc)
        except lease.LeaseLost as exc:
            self._abandon(run_id, f"{exc}; it stopped without writing again")
            return SyncOutcome(
                run_id,
                SyncRunStatus.ABANDONED,
                fetched,
                totals.inserted,
                totals.updated,
                totals.unchanged,
                quarantined,
                f"{type(exc).__name__}: {exc}",
            )
        except Exception as exc:
            return self._failed(run_id, fetched, totals, quarantined, started, exc)

    def _flush(
        self,
        s: Session,
        account: MarketplaceAccount,
        run_id: int,
        target: str,
        writer: Writer,
        batch: list[Any],
        totals: BatchCounts,
        owner: str,
        ttl: timedelta,
    ) -> int:
        """Write one batch; if it fails as a whole, write record by record and quarantine the bad ones."""
        now = self.rt.clock.now()
        quarantined = 0
        lease.fence(s, account.id, target, owner, now, ttl)  # same transaction as the writes: no lease, no write
        try:
            with s.begin_nested():
                totals.add(writer(s, account, batch, now))
        except Exception:
            for record in batch:
                try:
                    with s.begin_nested():
                        totals.add(writer(s, account, [record], now))
                except Exception as exc:
                    self._quarantine(
                        s,
                        account,
                        run_id,
                        target,
                        Quarantine(
                            record,
                            f"could not store: {type(exc).__name__}: {exc}",
                            getattr(record, "external_id", None),
                        ),
                    )
                    quarantined += 1
        s.commit()
        return quarantined

    def _quarantine(self, s: Session, account: MarketplaceAccount, run_id: int, target: str, q: Quarantine) -> None:
        s.add(
            SyncQuarantine(
                seller_id=account.seller_id,
                marketplace_account_id=account.id,
                sync_run_id=run_id,
                target=target,
                external_id=q.external_id,
                payload=_payload(q.payload),
                error=redact(q.error)[:1000],
                created_at=self.rt.clock.now(),
            )
        )

    def _finish(
        self,
        s: Session,
        run_id: int,
        status: SyncRunStatus,
        fetched: int,
        totals: BatchCounts,
        quarantined: int,
        started: float,
        error: str | None,
    ) -> None:
        s.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id)
            .values(
                status=status,
                finished_at=self.rt.clock.now(),
                fetched=fetched,
                inserted=totals.inserted,
                updated=totals.updated,
                unchanged=totals.unchanged,
                quarantined=quarantined,
                duration_ms=int((time.perf_counter() - started) * 1000),
                error=error,
            )
        )

    def _abandon(self, run_id: int, reason: str) -> None:
        """Mark a run that stopped early ABANDONED (if nobody did already); never raises over the real error."""
        try:
            with self.rt.session() as s:
                s.execute(
                    update(SyncRun)
                    .where(SyncRun.id == run_id, SyncRun.status == SyncRunStatus.RUNNING)
                    .values(status=SyncRunStatus.ABANDONED, finished_at=self.rt.clock.now(), error=reason[:1000])
                )
        except Exception:
            log.warning("could not mark run %s abandoned; the next run of its lease will", run_id, exc_info=True)

    def _failed(
        self,
        run_id: int,
        fetched: int,
        totals: BatchCounts,
        quarantined: int,
        started: float,
        exc: BaseException,
    ) -> SyncOutcome:
        message = redact(f"{type(exc).__name__}: {exc}")[:1000]
        with self.rt.session() as s:
            self._finish(s, run_id, SyncRunStatus.FAILED, fetched, totals, quarantined, started, message)
        return SyncOutcome(
            run_id,
            SyncRunStatus.FAILED,
            fetched,
            totals.inserted,
            totals.updated,
            totals.unchanged,
            quarantined,
            message,
            classify(exc),
        )


def check_since(adapter: MarketplaceAdapter, since: datetime, now: datetime) -> None:
    """``since`` must lie within what the marketplace still serves (its adapter's ``history_days``) and not
    in the future: a walk from 1900 would read decades of empty windows for nothing."""
    if since > now:
        raise InvalidInput("since", f"{since:%Y-%m-%d %H:%M} UTC is in the future")
    if adapter.history_days is not None:
        earliest = now - timedelta(days=adapter.history_days)
        if since < earliest:
            raise InvalidInput(
                "since",
                f"{adapter.code} serves {adapter.history_days} days of history; the earliest start is "
                f"{earliest:%Y-%m-%d} (got {since:%Y-%m-%d})",
            )


def get_run(rt: Runtime, run_id: int) -> SyncRun:
    with rt.sessions() as s:
        run = s.get(SyncRun, run_id)
        if run is None:
            raise NotFound(f"sync run {run_id} does not exist")
        return run
