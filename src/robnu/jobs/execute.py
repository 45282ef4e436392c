"""Execute one run of (account, target), whatever backend woke it up.

Both backends call ``execute_run``; it dispatches to the service for the target, classifies the
result (done / retry later / bad credentials / unsupported), pauses the account's schedules on bad
credentials, records the schedule's last run and writes the run report. Backends only decide *when*
a retry happens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select

from robnu.adapters.errors import FailureKind, MarketplaceAuthError, MarketplaceError, classify
from robnu.db.models import MarketplaceAccount, MarketplacePayout
from robnu.domain.errors import NotFound, UnsupportedTarget
from robnu.domain.marketplace import ADAPTER_FREE_TARGETS, SYNC_TARGETS, ScheduleTarget
from robnu.domain.statuses import SyncRunStatus, ValidationStatus
from robnu.security.redaction import redact
from robnu.services import schedules, sla
from robnu.services.accounts import adapter_for
from robnu.services.inventory_push import push_pending
from robnu.services.listings import reconcile_account
from robnu.services.processing import process_account
from robnu.services.reconciliation.batches import reconcile_period
from robnu.services.reconciliation.period import due_periods
from robnu.services.reports import FINAL_OUTCOMES, ReportData, RunOutcome, email_report, save_report
from robnu.services.runtime import Runtime
from robnu.services.sync import SyncEngine
from robnu.services.validation import record_auth_failure, validate_account

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    outcome: RunOutcome
    retry: bool = False  # a transient failure: the backend should try again later
    report_id: int | None = None
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Partial:
    outcome: RunOutcome
    retryable: bool = False
    synced: int = 0
    processed: int = 0
    held: int = 0
    failed: int = 0
    sync_run_id: int | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


# How a failure of each kind ends the run: only a transient one is tried again.
_FAILURE_OUTCOMES: dict[FailureKind, RunOutcome] = {
    FailureKind.AUTH: RunOutcome.AUTH_FAILED,
    FailureKind.REJECTED: RunOutcome.FAILED,
    FailureKind.UNSUPPORTED: RunOutcome.UNSUPPORTED,
    FailureKind.TRANSIENT: RunOutcome.RETRYING,
}


def _failure(kind: FailureKind, error: str, **common: Any) -> _Partial:
    failed = 0 if kind is FailureKind.UNSUPPORTED else 1
    return _Partial(
        _FAILURE_OUTCOMES[kind], retryable=kind is FailureKind.TRANSIENT, failed=failed, error=error, **common
    )


def _raised(rt: Runtime, account_id: int, exc: MarketplaceError | UnsupportedTarget) -> _Partial:
    """A use case stopped by a marketplace error (or an unsupported target): classified once; refused
    credentials are recorded on the account."""
    kind = classify(exc)
    if isinstance(exc, MarketplaceAuthError):
        record_auth_failure(rt, account_id, exc)
    return _failure(kind, str(exc) if kind is FailureKind.UNSUPPORTED else f"{type(exc).__name__}: {exc}")


def _sync(rt: Runtime, account_id: int, target: ScheduleTarget, owner: str | None) -> _Partial:
    o = SyncEngine(rt).run(account_id, target, owner=owner)
    details = {"fetched": o.fetched, "new": o.inserted, "updated": o.updated, "unchanged": o.unchanged}
    common: dict[str, Any] = {"synced": o.inserted + o.updated, "sync_run_id": o.run_id, "details": details}
    if o.status is SyncRunStatus.SUCCEEDED:
        return _Partial(RunOutcome.SUCCEEDED, **common)
    if o.status is SyncRunStatus.PARTIAL:
        return _Partial(RunOutcome.PARTIAL, held=o.quarantined, **common, error=f"{o.quarantined} quarantined")
    if o.status is SyncRunStatus.SKIPPED:  # another process holds the lease: try again shortly
        return _Partial(RunOutcome.RETRYING, retryable=True, error=o.error, **common)
    return _failure(o.failure or FailureKind.TRANSIENT, o.error or "failed", **common)


def _inventory(rt: Runtime, account_id: int) -> _Partial:
    o = push_pending(rt, account_id)
    if o.busy:  # another push of this account is running: it sends what is pending; try again shortly
        return _Partial(RunOutcome.RETRYING, retryable=True, error="another push holds the lease")
    details = {"sent": o.sent, "failed": o.failed, "superseded": o.superseded, "dead": o.dead}
    with rt.sessions() as s:
        account = s.get(MarketplaceAccount, account_id)
        reconnect = bool(account and account.needs_reconnect)
    if reconnect and (o.failed or o.dead):
        return _Partial(RunOutcome.AUTH_FAILED, processed=o.sent, failed=o.failed + o.dead, details=details)
    # Failed pushes carry their own retry time (InventoryTask.next_attempt_at): the next run picks them up.
    outcome = RunOutcome.PARTIAL if (o.failed or o.dead) else RunOutcome.SUCCEEDED
    return _Partial(outcome, processed=o.sent, failed=o.failed + o.dead, details=details)


def _credential_check(rt: Runtime, account_id: int) -> _Partial:
    v = validate_account(rt, account_id)
    details = {"validation": str(v.status), "http_status": v.http_status, "code": v.code}
    if v.status is ValidationStatus.VALID:
        return _Partial(RunOutcome.SUCCEEDED, processed=1, details=details)
    if v.status is ValidationStatus.INVALID:
        return _Partial(RunOutcome.AUTH_FAILED, failed=1, details=details, error=v.message or "credentials refused")
    return _Partial(RunOutcome.RETRYING, retryable=True, failed=1, details=details, error=v.message)


def _full_processing(rt: Runtime, account_id: int) -> _Partial:
    try:
        report = process_account(rt, account_id)
    except (MarketplaceError, UnsupportedTarget) as exc:
        return _raised(rt, account_id, exc)
    outcome = RunOutcome.PARTIAL if (report.held or report.failed) else RunOutcome.SUCCEEDED
    details: dict[str, Any] = {"notes": report.notes, "waiting": report.waiting, "skipped": report.skipped}
    if report.exceptions:  # held orders are the run's exceptions: what the seller must look at
        details["exceptions"] = report.exceptions
    return _Partial(outcome, processed=report.processed, held=report.held, failed=report.failed, details=details)


def _catalog(rt: Runtime, account_id: int) -> _Partial:
    """Read the catalog, link new listings, queue a push wherever the marketplace drifted from the truth
    (the INVENTORY schedule sends it within minutes)."""
    try:
        o = reconcile_account(rt, account_id)
    except MarketplaceError as exc:
        return _raised(rt, account_id, exc)
    details = {
        "listings": o.listings,
        "new_listings": o.new_listings,
        "new_products": o.new_products,
        "drifted": o.drifted,
        "unlinked": o.unlinked,
    }
    if o.quarantined:
        return _Partial(
            RunOutcome.PARTIAL,
            synced=o.listings,
            held=o.quarantined,
            details=details,
            error=f"{o.quarantined} quarantined",
        )
    return _Partial(RunOutcome.SUCCEEDED, synced=o.listings, processed=o.drifted, details=details)


def _sla_watchdog(rt: Runtime, account_id: int) -> _Partial:
    """The account's open batches against their deadlines; new band edges become this run's alerts.

    A run that wrote alerts is PARTIAL: of the existing outcomes it is the one that means "finished, and
    something needs the seller's attention" (a sync's quarantined records, a flow's held orders), so the
    runs-by-outcome metric counts alerting runs apart from quiet ones; SUCCEEDED would hide them and
    FAILED/RETRYING would claim the watchdog itself went wrong. The alerts' messages go in ``details``
    (``sla_alerts``, rendered first in the report) and their count in ``error``, the short line the
    report list shows; ``should_email`` mails a watchdog report only when it has alerts."""
    result = sla.run_watch(rt, account_id=account_id)
    details: dict[str, Any] = {"batches_watched": len(result.watched)}
    if result.watched:
        worst = result.watched[0]  # most at risk first
        details["lowest_headroom"] = f"{worst.headroom_pct:.1f} % ({worst.band.value}, batch {worst.batch_id})"
    if not result.alerts:
        return _Partial(RunOutcome.SUCCEEDED, processed=len(result.watched), details=details)
    details["sla_alerts"] = [a.message for a in result.alerts]
    n = len(result.alerts)
    bands = ", ".join(sorted({a.band.value for a in result.alerts}, key=sla.BAND_ORDER.index, reverse=True))
    return _Partial(
        RunOutcome.PARTIAL,
        processed=len(result.watched),
        details=details,
        error=f"{n} new SLA alert{'s' if n != 1 else ''} ({bands})",
    )


def _claim_sweeper(rt: Runtime, account_id: int) -> _Partial:
    """Returns past their claim date without a receive scan become claims (idempotent; kill switch
    ROBNU_ENABLE_CLAIM_SWEEPER=false)."""
    from robnu.services.claims.sweeper import sweep_claims

    result = sweep_claims(rt, account_id=account_id)
    if result.disabled:
        return _Partial(RunOutcome.SKIPPED, error="claim sweeper disabled (ROBNU_ENABLE_CLAIM_SWEEPER)")
    details: dict[str, Any] = {"claim_dates_set": result.dated, "claims_raised": result.claims}
    if result.promoted:
        return _Partial(
            RunOutcome.PARTIAL, processed=result.promoted, details=details, error=f"{result.promoted} claim(s) raised"
        )
    return _Partial(RunOutcome.SUCCEEDED, processed=result.dated, details=details)


def _reconciliation(rt: Runtime, account_id: int) -> _Partial:
    """Reconcile the account's recent periods from the payouts already synced (no marketplace call: the PAYOUTS
    schedule brings them). A run that found new differences is PARTIAL, the seller's cue to look."""
    with rt.sessions() as s:
        synced = s.scalar(select(exists().where(MarketplacePayout.marketplace_account_id == account_id)))
    if not synced:  # nothing to reconcile yet: no empty batch a day
        return _Partial(RunOutcome.SUCCEEDED, details={"payouts": 0})
    details: dict[str, Any] = {}
    matched = deltas = new = 0
    for period in due_periods(rt.clock.now()):
        summary = reconcile_period(rt, account_id, period, actor="schedule")
        fresh = len(summary.diff.get("new", [])) if summary.diff else summary.deltas
        matched, deltas, new = matched + summary.matched, deltas + summary.deltas, new + fresh
        details[period] = {
            "run": summary.run_no,
            "matched": summary.matched,
            "deltas": summary.deltas,
            "new": fresh,
            "recoverable": str(summary.recoverable_total),
            "payouts": summary.payout_statuses,
        }
    if new:
        return _Partial(
            RunOutcome.PARTIAL, processed=matched, held=deltas, details=details, error=f"{new} new difference(s)"
        )
    return _Partial(RunOutcome.SUCCEEDED, processed=matched, held=deltas, details=details)


UseCase = Callable[[Runtime, int, ScheduleTarget, str | None], _Partial]
# The one table of what runs for each target (the sync engine serves the three sync targets).
_USE_CASES: dict[ScheduleTarget, UseCase] = {
    **{target: _sync for target in SYNC_TARGETS},
    ScheduleTarget.INVENTORY: lambda rt, account_id, _target, _owner: _inventory(rt, account_id),
    ScheduleTarget.CREDENTIAL_CHECK: lambda rt, account_id, _target, _owner: _credential_check(rt, account_id),
    ScheduleTarget.CATALOG: lambda rt, account_id, _target, _owner: _catalog(rt, account_id),
    ScheduleTarget.FULL_PROCESSING: lambda rt, account_id, _target, _owner: _full_processing(rt, account_id),
    ScheduleTarget.SLA_WATCHDOG: lambda rt, account_id, _target, _owner: _sla_watchdog(rt, account_id),
    ScheduleTarget.CLAIM_SWEEPER: lambda rt, account_id, _target, _owner: _claim_sweeper(rt, account_id),
    ScheduleTarget.RECONCILIATION: lambda rt, account_id, _target, _owner: _reconciliation(rt, account_id),
}


def _dispatch(rt: Runtime, account_id: int, target: ScheduleTarget, owner: str | None) -> _Partial:
    with rt.sessions() as s:
        account = s.get(MarketplaceAccount, account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist")
        if target not in ADAPTER_FREE_TARGETS:  # those need neither the adapter nor working credentials
            if account.needs_reconnect:
                return _Partial(RunOutcome.SKIPPED, error="account needs reconnect")
            adapter = adapter_for(rt, account)
            if target not in adapter.supported_targets:
                return _Partial(RunOutcome.UNSUPPORTED, error=f"{adapter.code} adapter does not support {target} yet")
    return _USE_CASES[target](rt, account_id, target, owner)


def execute_run(
    rt: Runtime,
    account_id: int,
    target: str,
    *,
    schedule_id: int | None = None,
    attempt: int = 1,
    max_attempts: int = 5,
    backend: str = "LOCAL",
    worker: str | None = None,
    trigger: str = "SCHEDULED",
) -> RunResult:
    started, t0 = rt.clock.now(), time.perf_counter()
    tgt = ScheduleTarget(target)
    try:
        part = _dispatch(rt, account_id, tgt, worker)
    except NotFound as exc:
        return RunResult(RunOutcome.SKIPPED, error=str(exc))
    except Exception as exc:  # a database hiccup or a bug: transient from the queue's point of view
        log.exception("run of account %s %s crashed", account_id, target)
        part = _Partial(RunOutcome.RETRYING, retryable=True, failed=1, error=redact(f"{type(exc).__name__}: {exc}"))
    if part.retryable and attempt >= max_attempts:
        part.outcome, part.retryable = RunOutcome.FAILED, False
        part.error = f"gave up after {attempt} attempts: {part.error}"
    finished, duration_ms = rt.clock.now(), int((time.perf_counter() - t0) * 1000)
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        if account is None:
            return RunResult(RunOutcome.SKIPPED, error="account was deleted")
        seller_id = account.seller_id
        if part.outcome is RunOutcome.AUTH_FAILED:
            paused = schedules.pause_account(s, account_id)
            part.details["schedules_paused"] = paused
        if schedule_id is not None and part.outcome is not RunOutcome.SKIPPED:
            schedules.record_last_run(s, schedule_id, finished, part.outcome)
    report_id = save_report(
        rt,
        ReportData(
            account_id=account_id,
            seller_id=seller_id,
            target=tgt,
            outcome=part.outcome,
            started_at=started,
            finished_at=finished,
            schedule_id=schedule_id,
            sync_run_id=part.sync_run_id,
            trigger=trigger,
            backend=backend,
            attempt=attempt,
            worker=worker,
            synced=part.synced,
            processed=part.processed,
            held=part.held,
            failed=part.failed,
            details=part.details,
            error=part.error,
            duration_ms=duration_ms,
        ),
    )
    if part.outcome in FINAL_OUTCOMES:
        email_report(rt, report_id)
    counts = {"synced": part.synced, "processed": part.processed, "held": part.held, "failed": part.failed}
    return RunResult(part.outcome, part.retryable, report_id, part.error, counts)
