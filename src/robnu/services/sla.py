"""The SLA watchdog: per open dispatch batch, the headroom left before its deadline, and an
``sla_events`` row each time a batch sinks into a lower band.

* A batch is watched while it is OPEN and has orders still in the flow (``order_processing`` PENDING or
  IN_PROGRESS in that batch); DONE and HELD orders no longer race the clock.
* **Deadline** = the earliest of the batch's cut-off and its open orders' ``dispatch_by``, minus the account's
  pickup offset (the courier's slot is earlier than the printed cut-off). **Start** = the batch's creation.
  **Headroom %** = ``(deadline - now) / (deadline - start) x 100``; the band follows from it
  (``robnu.domain.dispatch.band_of``).
* **Alerts** are band edges: an event is written when the batch enters a band lower than any recorded for it
  (HEALTHY is never an alert). A batch whose deadline moves later (its earliest order shipped) climbs back
  without an event, and sinking again into an already recorded band is not a new alert.
* **Idempotent**: re-runs and concurrent watchers write one row per (batch, band) — the unique key with
  insert-on-conflict-do-nothing, the row's id returned only to the watcher that wrote it, so only that one
  reports the alert. The insert also refuses a band when a lower one is already recorded, so the history
  only ever goes down (on SQLite atomically; on PostgreSQL two watchers on either side of a band edge in the
  same instant may each record what they saw, both true observations).

The history is the dispute evidence for SLA-miss deductions; the alerts go out through the run-report email
of the ``SLA_WATCHDOG`` schedule (``robnu.jobs.execute``) and are shown by ``headroom_board``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import exists, func, literal, select
from sqlalchemy.orm import Session

from robnu.adapters.processing import ProcessingStatus
from robnu.db.dialect import insert_for
from robnu.db.dispatch_models import DispatchSettingsRow, SlaEvent
from robnu.db.models import Marketplace, MarketplaceAccount, Order
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.domain.clock import IST
from robnu.domain.dispatch import ClosurePolicy, DispatchSettings, SlaBand, band_of, headroom_pct
from robnu.services.dispatch import settings_from_row
from robnu.services.runtime import Runtime

OPEN_STATUSES = (ProcessingStatus.PENDING, ProcessingStatus.IN_PROGRESS)
# Worst last: an alert is a band further down this list than anything recorded for the batch.
BAND_ORDER = (SlaBand.HEALTHY, SlaBand.WATCH, SlaBand.WARNING, SlaBand.CRITICAL, SlaBand.BREACHED)
_RANK = {band: i for i, band in enumerate(BAND_ORDER)}
_BAND_TEXT = {
    SlaBand.HEALTHY: "healthy",
    SlaBand.WATCH: "below 50 %",
    SlaBand.WARNING: "below 30 %",
    SlaBand.CRITICAL: "below 10 %",
    SlaBand.BREACHED: "deadline passed",
}
_PCT_LIMIT = 9999.9  # sla_events.headroom_pct is NUMERIC(6, 1); a long-overdue batch is far below -100 %


@dataclass(frozen=True)
class BatchHeadroom:
    """One watched batch as the board (``/process/sla-watchdog``, ``robnu sla``) shows it."""

    batch_id: int
    seller_id: int
    account_id: int
    account_name: str
    marketplace: str
    ist_day: str
    batch_no: int
    closure_policy: str
    cutoff_at: datetime
    deadline: datetime
    headroom_pct: float
    band: SlaBand
    open_orders: int
    recorded_band: SlaBand | None  # the lowest band already alerted for this batch
    closes_at: datetime | None  # when the policy closes the manifest without a user (None: only a user does)


@dataclass(frozen=True)
class SlaAlert:
    """An ``sla_events`` row this watcher wrote."""

    event_id: int
    batch_id: int
    seller_id: int
    account_id: int
    marketplace: str
    band: SlaBand
    headroom_pct: float
    deadline: datetime
    open_orders: int
    message: str
    occurred_at: datetime


@dataclass(frozen=True)
class WatchResult:
    watched: list[BatchHeadroom]
    alerts: list[SlaAlert]


def _policy(value: str) -> ClosurePolicy:
    try:
        return ClosurePolicy(value)
    except ValueError:
        return ClosurePolicy.MANUAL  # unknown: assume nobody closes it for the user


def _assess(
    s: Session, now: datetime, *, seller_id: int | None = None, account_id: int | None = None
) -> list[BatchHeadroom]:
    """Every OPEN batch with open orders, most at risk first."""
    in_flow = (
        select(
            OrderProcessing.batch_id.label("batch_id"),
            func.count().label("n"),
            func.min(Order.dispatch_by).label("earliest"),
        )
        .join(Order, Order.id == OrderProcessing.order_id)
        .where(OrderProcessing.status.in_(OPEN_STATUSES), OrderProcessing.batch_id.is_not(None))
        .group_by(OrderProcessing.batch_id)
    )
    if seller_id is not None:
        in_flow = in_flow.where(OrderProcessing.seller_id == seller_id)
    if account_id is not None:  # ix_order_processing_account_status
        in_flow = in_flow.where(OrderProcessing.marketplace_account_id == account_id)
    open_orders = in_flow.subquery()
    q = (
        select(
            ProcessingBatch,
            MarketplaceAccount,
            Marketplace.code,
            open_orders.c.n,
            open_orders.c.earliest,
            DispatchSettingsRow,
        )
        .join(open_orders, open_orders.c.batch_id == ProcessingBatch.id)
        .join(MarketplaceAccount, MarketplaceAccount.id == ProcessingBatch.marketplace_account_id)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        # the account's settings in the same statement (the seller's GSTIN fallback plays no part in timing)
        .outerjoin(DispatchSettingsRow, DispatchSettingsRow.marketplace_account_id == MarketplaceAccount.id)
        .where(ProcessingBatch.status == "OPEN")
        .order_by(ProcessingBatch.id)
    )
    if seller_id is not None:
        q = q.where(ProcessingBatch.seller_id == seller_id)
    if account_id is not None:
        q = q.where(ProcessingBatch.marketplace_account_id == account_id)
    rows = s.execute(q).all()
    if not rows:
        return []
    recorded: dict[int, SlaBand] = {}
    for batch_id, band in s.execute(
        select(SlaEvent.batch_id, SlaEvent.band).where(SlaEvent.batch_id.in_([r[0].id for r in rows]))
    ):
        if band in _RANK and (batch_id not in recorded or _RANK[SlaBand(band)] > _RANK[recorded[batch_id]]):
            recorded[batch_id] = SlaBand(band)
    out = []
    for batch, account, code, n, earliest, stored in rows:
        cfg = replace(settings_from_row(stored), closure_policy=_policy(batch.closure_policy))
        deadline = batch.cutoff_at if earliest is None else min(batch.cutoff_at, earliest)
        deadline -= timedelta(minutes=cfg.pickup_offset_minutes)
        pct = max(-_PCT_LIMIT, min(_PCT_LIMIT, headroom_pct(batch.created_at, deadline, now)))
        out.append(
            BatchHeadroom(
                batch_id=batch.id,
                seller_id=batch.seller_id,
                account_id=account.id,
                account_name=account.display_name,
                marketplace=code,
                ist_day=batch.ist_day,
                batch_no=batch.batch_no,
                closure_policy=batch.closure_policy,
                cutoff_at=batch.cutoff_at,
                deadline=deadline,
                headroom_pct=pct,
                band=band_of(pct),
                open_orders=int(n),
                recorded_band=recorded.get(batch.id),
                closes_at=_closes_at(cfg, batch.cutoff_at),
            )
        )
    out.sort(key=lambda b: (b.headroom_pct, b.batch_id))
    return out


def _closes_at(cfg: DispatchSettings, cutoff_at: datetime) -> datetime | None:
    if cfg.closure_policy is ClosurePolicy.IMMEDIATE:
        return None  # closes as soon as the batch is manifested: no planned time to show
    return cfg.closes_at(cutoff_at)


def _hhmm(at: datetime) -> str:
    return at.astimezone(IST).strftime("%H:%M IST")


def alert_message(b: BatchHeadroom, now: datetime) -> str:
    """What the seller reads in the run report: which batch, how bad, and what to do about it."""
    text = (
        f"{b.marketplace} account {b.account_id} batch {b.ist_day} #{b.batch_no}: "
        f"headroom {b.headroom_pct:.1f} % ({_BAND_TEXT[b.band]}), deadline {_hhmm(b.deadline)}, "
        f"{b.open_orders} order{'s' if b.open_orders != 1 else ''} open."
    )
    urgent = b.band in (SlaBand.CRITICAL, SlaBand.BREACHED)
    policy = _policy(b.closure_policy)
    if policy is ClosurePolicy.MANUAL and b.closes_at is None:
        if urgent:
            text += " Closure is MANUAL without auto-close: a user must close the manifest now."
        else:
            text += " Closure is MANUAL: a user must close the manifest before the deadline."
    elif b.closes_at is not None and b.closes_at > b.deadline:
        text += f" The {policy.value} close at {_hhmm(b.closes_at)} is after the deadline: close the manifest now."
    elif b.closes_at is not None and b.closes_at < now:
        text += f" The {policy.value} close was due at {_hhmm(b.closes_at)} and the manifest is still open."
    elif b.closes_at is not None:
        text += f" {policy.value} close at {_hhmm(b.closes_at)}."
    return text[:300]


def _record(rt: Runtime, b: BatchHeadroom, now: datetime) -> SlaAlert | None:
    """Insert the batch's event for ``b.band`` unless it, or a lower band, is already recorded.
    One statement in its own transaction (on SQLite the first statement of a transaction, so the
    NOT EXISTS and the insert see the same, current database)."""
    message = alert_message(b, now)
    lower = [band.value for band in BAND_ORDER if _RANK[band] > _RANK[b.band]]
    values = {
        "seller_id": b.seller_id,
        "marketplace_account_id": b.account_id,
        "batch_id": b.batch_id,
        "band": b.band.value,
        "headroom_pct": b.headroom_pct,
        "deadline": b.deadline,
        "open_orders": b.open_orders,
        "message": message,
        "occurred_at": now,
    }
    row = select(*(literal(v, SlaEvent.__table__.c[c].type) for c, v in values.items())).where(
        ~exists().where(SlaEvent.batch_id == b.batch_id, SlaEvent.band.in_(lower))
    )
    with rt.session() as s:
        insert_fn = insert_for(s)
        event_id = s.execute(
            insert_fn(SlaEvent)
            .from_select(list(values), row)
            .on_conflict_do_nothing(index_elements=["batch_id", "band"])
            .returning(SlaEvent.id)
        ).scalar_one_or_none()
    if event_id is None:  # recorded meanwhile (a concurrent watcher) or a lower band already is
        return None
    return SlaAlert(
        event_id=event_id,
        batch_id=b.batch_id,
        seller_id=b.seller_id,
        account_id=b.account_id,
        marketplace=b.marketplace,
        band=b.band,
        headroom_pct=b.headroom_pct,
        deadline=b.deadline,
        open_orders=b.open_orders,
        message=message,
        occurred_at=now,
    )


def run_watch(rt: Runtime, *, seller_id: int | None = None, account_id: int | None = None) -> WatchResult:
    """Assess every watched batch (of one seller or account, or all) and record the new band edges."""
    now = rt.clock.now()
    with rt.sessions() as s:  # read, then end the read before writing (SQLite: no stale-snapshot writes)
        watched = _assess(s, now, seller_id=seller_id, account_id=account_id)
    alerts = []
    for b in watched:
        if b.band is SlaBand.HEALTHY:
            continue
        if b.recorded_band is not None and _RANK[b.band] <= _RANK[b.recorded_band]:
            continue
        alert = _record(rt, b, now)
        if alert is not None:
            alerts.append(alert)
    return WatchResult(watched, alerts)


def watch(rt: Runtime, *, seller_id: int | None = None, account_id: int | None = None) -> list[SlaAlert]:
    """Record the band edges crossed since the last look; returns the alerts this call wrote."""
    return run_watch(rt, seller_id=seller_id, account_id=account_id).alerts


def assess(s: Session, now: datetime, *, seller_id: int, account_id: int | None = None) -> list[BatchHeadroom]:
    """The board of one seller (or one of its accounts) at ``now`` on the caller's session (the read API's
    seller-scoped session), most at risk first."""
    return _assess(s, now, seller_id=seller_id, account_id=account_id)


def headroom_board(rt: Runtime, seller_id: int | None = None) -> list[BatchHeadroom]:
    """Per watched batch, right now: account, marketplace, IST day, batch no, closure policy, deadline,
    headroom %, band and open orders, most at risk first. Reads only (the alerts are ``watch``'s)."""
    with rt.sessions() as s:
        return _assess(s, rt.clock.now(), seller_id=seller_id)


@dataclass(frozen=True)
class SlaEventView:
    batch_id: int
    account_id: int
    band: str
    headroom_pct: float
    deadline: datetime
    open_orders: int
    message: str
    occurred_at: datetime


def history(rt: Runtime, *, seller_id: int | None = None, batch_id: int | None = None) -> list[SlaEventView]:
    """The recorded events, oldest first: the dispute evidence for a batch or a seller."""
    q = select(SlaEvent).order_by(SlaEvent.occurred_at, SlaEvent.id)
    if seller_id is not None:
        q = q.where(SlaEvent.seller_id == seller_id)
    if batch_id is not None:
        q = q.where(SlaEvent.batch_id == batch_id)
    with rt.sessions() as s:
        return [
            SlaEventView(
                e.batch_id,
                e.marketplace_account_id,
                e.band,
                e.headroom_pct,
                e.deadline,
                e.open_orders,
                e.message,
                e.occurred_at,
            )
            for e in s.execute(q).scalars()
        ]
