"""Schedules per (account, target): cadence (interval, or a cron read in IST), jitter, next run.

Defaults are created when an account is connected, for the targets its adapter supports. The tick
claims due schedules by moving ``next_run_at`` forward in the same transaction that enqueues the run
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent ticks never claim one schedule twice).
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from croniter import croniter
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from robnu.adapters.base import MarketplaceAdapter
from robnu.db.models import Marketplace, MarketplaceAccount, Schedule
from robnu.domain.clock import IST
from robnu.domain.errors import InvalidInput, NotFound
from robnu.domain.marketplace import ADAPTER_FREE_TARGETS, ScheduleTarget
from robnu.services.runtime import Runtime


@dataclass(frozen=True)
class Cadence:
    interval_seconds: int | None = None
    cron: str | None = None  # five fields, read in IST
    jitter_seconds: int = 0

    def describe(self) -> str:
        every = f"every {format_duration(self.interval_seconds)}" if self.interval_seconds else f"cron {self.cron} IST"
        return every + (f" ±{format_duration(self.jitter_seconds)}" if self.jitter_seconds else "")


# Orders often; returns and payouts less often; inventory soon after stock changes (pending pushes are
# picked up within two minutes); credentials every four hours; full processing at the batch times; the SLA
# watchdog every five minutes (a 10 % band of a two-hour batch is twelve minutes wide: it is seen in time).
DEFAULT_CADENCES: dict[ScheduleTarget, Cadence] = {
    ScheduleTarget.ORDERS: Cadence(interval_seconds=15 * 60, jitter_seconds=60),
    ScheduleTarget.RETURNS: Cadence(interval_seconds=2 * 3600, jitter_seconds=5 * 60),
    ScheduleTarget.PAYOUTS: Cadence(interval_seconds=6 * 3600, jitter_seconds=10 * 60),
    ScheduleTarget.INVENTORY: Cadence(interval_seconds=2 * 60, jitter_seconds=15),
    ScheduleTarget.CREDENTIAL_CHECK: Cadence(interval_seconds=4 * 3600, jitter_seconds=10 * 60),
    ScheduleTarget.FULL_PROCESSING: Cadence(cron="0 9,14 * * *"),
    ScheduleTarget.SLA_WATCHDOG: Cadence(interval_seconds=5 * 60),
    ScheduleTarget.CATALOG: Cadence(interval_seconds=6 * 3600, jitter_seconds=15 * 60),
    ScheduleTarget.CLAIM_SWEEPER: Cadence(cron="0 2 * * *"),  # 02:00 IST daily
    ScheduleTarget.RECONCILIATION: Cadence(cron="0 3 * * *"),  # 03:00 IST daily, on the payouts synced so far
}
# A target no adapter declares gets its default schedule when the adapter supports the one it serves:
# the watchdog watches the batches that full processing makes.
_DEFAULT_WHEN = {
    ScheduleTarget.SLA_WATCHDOG: ScheduleTarget.FULL_PROCESSING,
    ScheduleTarget.CLAIM_SWEEPER: ScheduleTarget.RETURNS,  # it sweeps the returns the RETURNS sync brings
    ScheduleTarget.RECONCILIATION: ScheduleTarget.PAYOUTS,  # it checks the payouts the PAYOUTS sync brings
}

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, field: str = "every") -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text.lower())
    if not match or (int(match.group(1)) <= 0 and field != "jitter"):
        raise InvalidInput(field, f"{text!r} is not a duration like 90s, 15m, 2h or 1d")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


def format_duration(seconds: int | None) -> str:
    if not seconds:
        return "0s"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def validate_cron(expr: str) -> str:
    expr = " ".join(expr.split())
    if len(expr.split()) != 5 or not croniter.is_valid(expr):
        raise InvalidInput("cron", f"{expr!r} is not a five-field cron expression (read in IST)")
    return expr


def next_due(schedule: Schedule | Cadence, after: datetime, rng: random.Random | None = None) -> datetime:
    """The next run after ``after``: interval from now, or the next cron time in IST; plus jitter."""
    jitter = schedule.jitter_seconds or 0
    offset = timedelta(seconds=(rng or random).uniform(0, jitter)) if jitter else timedelta(0)
    if schedule.cron:
        base: datetime = croniter(schedule.cron, after.astimezone(IST)).get_next(datetime)
        return base.astimezone(after.tzinfo) + offset
    return after + timedelta(seconds=schedule.interval_seconds or 3600) + offset


def first_due(cadence: Cadence, now: datetime, rng: random.Random | None = None) -> datetime:
    """A new schedule's first run: soon (spread by jitter) for intervals, the next slot for crons."""
    if cadence.cron:
        return next_due(cadence, now, rng)
    return now + timedelta(seconds=(rng or random).uniform(0, cadence.jitter_seconds))


def create_default_schedules(
    session: Session, account: MarketplaceAccount, adapter: MarketplaceAdapter, now: datetime
) -> list[Schedule]:
    """One schedule per target the adapter supports, and the SLA watchdog where it runs full processing
    (called inside ``connect_account``'s transaction)."""
    created = []
    for target, cadence in DEFAULT_CADENCES.items():
        if _DEFAULT_WHEN.get(target, target) not in adapter.supported_targets:
            continue
        schedule = Schedule(
            seller_id=account.seller_id,
            marketplace_account_id=account.id,
            target=target,
            interval_seconds=cadence.interval_seconds,
            cron=cadence.cron,
            enabled=True,
            jitter_seconds=cadence.jitter_seconds,
            next_run_at=first_due(cadence, now),
        )
        session.add(schedule)
        created.append(schedule)
    session.flush()
    return created


@dataclass(frozen=True)
class ScheduleView:
    id: int
    account_id: int
    marketplace: str
    target: str
    cadence: str
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_run_status: str | None
    needs_reconnect: bool


def list_schedules(rt: Runtime, account_id: int | None = None, seller_id: int | None = None) -> list[ScheduleView]:
    with rt.sessions() as s:
        q = (
            select(Schedule, Marketplace.code, MarketplaceAccount.needs_reconnect)
            .join(MarketplaceAccount, MarketplaceAccount.id == Schedule.marketplace_account_id)
            .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
            .order_by(Schedule.marketplace_account_id, Schedule.target)
        )
        if account_id is not None:
            q = q.where(Schedule.marketplace_account_id == account_id)
        if seller_id is not None:
            q = q.where(Schedule.seller_id == seller_id)
        return [
            ScheduleView(
                sc.id,
                sc.marketplace_account_id,
                code,
                sc.target,
                Cadence(sc.interval_seconds, sc.cron, sc.jitter_seconds).describe(),
                sc.enabled,
                sc.next_run_at,
                sc.last_run_at,
                sc.last_run_status,
                reconnect,
            )
            for sc, code, reconnect in s.execute(q).all()
        ]


def _target(value: str) -> ScheduleTarget:
    try:
        return ScheduleTarget(value.upper())
    except ValueError:
        raise InvalidInput("target", f"must be one of {', '.join(ScheduleTarget)}") from None


def set_schedule(
    rt: Runtime,
    account_id: int,
    target: str,
    *,
    interval_seconds: int | None = None,
    cron: str | None = None,
    jitter_seconds: int | None = None,
    enabled: bool | None = None,
) -> ScheduleView:
    """Create or change one schedule. A new cadence takes effect from now."""
    tgt = _target(target)
    if interval_seconds is not None and cron is not None:
        raise InvalidInput("cadence", "give an interval or a cron, not both")
    if interval_seconds is not None and interval_seconds < 10:
        raise InvalidInput("every", "must be at least 10 seconds")
    if cron is not None:
        cron = validate_cron(cron)
    if jitter_seconds is not None and jitter_seconds < 0:
        raise InvalidInput("jitter", "must not be negative")
    now = rt.clock.now()
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist")
        sc = s.execute(
            select(Schedule).where(Schedule.marketplace_account_id == account_id, Schedule.target == tgt)
        ).scalar_one_or_none()
        if sc is None:
            default = DEFAULT_CADENCES[tgt]
            sc = Schedule(
                seller_id=account.seller_id,
                marketplace_account_id=account_id,
                target=tgt,
                interval_seconds=default.interval_seconds,
                cron=default.cron,
                jitter_seconds=default.jitter_seconds,
                enabled=True,
            )
            s.add(sc)
        if interval_seconds is not None:
            sc.interval_seconds, sc.cron = interval_seconds, None
        if cron is not None:
            sc.interval_seconds, sc.cron = None, cron
        if jitter_seconds is not None:
            sc.jitter_seconds = jitter_seconds
        if enabled is not None:
            sc.enabled = enabled
        if interval_seconds is not None or cron is not None or sc.next_run_at is None:
            sc.next_run_at = next_due(sc, now) if sc.cron else now + timedelta(seconds=sc.interval_seconds or 0)
    return next(v for v in list_schedules(rt, account_id) if v.target == tgt)


def set_enabled(rt: Runtime, account_id: int, target: str | None, enabled: bool) -> int:
    """Pause or resume one schedule, or all of an account's; resumed overdue schedules run at the next tick."""
    now = rt.clock.now()
    with rt.session() as s:
        if s.get(MarketplaceAccount, account_id) is None:
            raise NotFound(f"account {account_id} does not exist")
        q = update(Schedule).where(Schedule.marketplace_account_id == account_id)
        if target is not None:
            q = q.where(Schedule.target == _target(target))
        count = s.execute(q.values(enabled=enabled)).rowcount  # type: ignore[attr-defined]
        if enabled:
            s.execute(
                update(Schedule)
                .where(Schedule.marketplace_account_id == account_id, Schedule.next_run_at.is_(None))
                .values(next_run_at=now)
            )
        if target is not None and not count:
            raise NotFound(f"account {account_id} has no {target.upper()} schedule")
        return int(count)


def pause_account(session: Session, account_id: int) -> int:
    """Bad credentials: stop every schedule of the account that talks to the marketplace until it is
    reconnected and resumed. The SLA watchdog goes on: a batch that cannot be closed is the one at risk."""
    result = session.execute(
        update(Schedule)
        .where(Schedule.marketplace_account_id == account_id, Schedule.target.not_in(list(ADAPTER_FREE_TARGETS)))
        .values(enabled=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def runnable_account() -> ColumnElement[bool]:
    """A schedule's account may run it: it needs no reconnect, or the target never calls the marketplace."""
    return or_(MarketplaceAccount.needs_reconnect.is_(False), Schedule.target.in_(list(ADAPTER_FREE_TARGETS)))


@dataclass(frozen=True)
class DueRun:
    schedule_id: int
    account_id: int
    seller_id: int
    target: str
    due_at: datetime
    marketplace: str  # the account's marketplace code: its runs go to that marketplace's queue


def claim_due(
    session: Session, now: datetime, *, limit: int = 500, exclude_accounts: Collection[int] = ()
) -> list[DueRun]:
    """Due, enabled schedules of accounts that need no reconnect (the SLA watchdog's whatever the account),
    oldest first; each one's ``next_run_at`` is moved to its next slot in this transaction, so it is claimed
    exactly once. A few statements whatever the number: one locking read, one batched update."""
    q = (
        select(
            Schedule.id,
            Schedule.marketplace_account_id,
            Schedule.seller_id,
            Schedule.target,
            Schedule.next_run_at,
            Schedule.interval_seconds,
            Schedule.cron,
            Schedule.jitter_seconds,
            Marketplace.code,
        )
        .join(MarketplaceAccount, MarketplaceAccount.id == Schedule.marketplace_account_id)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .where(
            Schedule.enabled.is_(True),
            Schedule.next_run_at <= now,
            runnable_account(),
        )
        .order_by(Schedule.next_run_at)
        .limit(limit)
        .with_for_update(of=Schedule, skip_locked=True)
    )
    if exclude_accounts:
        q = q.where(Schedule.marketplace_account_id.not_in(list(exclude_accounts)))
    claimed: list[DueRun] = []
    moves: list[dict[str, object]] = []
    cron_next: dict[str, datetime] = {}  # the next slot of each cron after ``now``: the same for every schedule
    for sid, account_id, seller_id, target, due_at, interval, cron, jitter, code in session.execute(q).tuples():
        assert due_at is not None
        claimed.append(DueRun(sid, account_id, seller_id, target, due_at, code))
        if cron:
            if cron not in cron_next:
                cron_next[cron] = next_due(Cadence(cron=cron), now)
            offset = timedelta(seconds=random.uniform(0, jitter)) if jitter else timedelta(0)
            moves.append({"id": sid, "next_run_at": cron_next[cron] + offset})
        else:
            moves.append({"id": sid, "next_run_at": next_due(Cadence(interval, None, jitter), now)})
    if moves:
        session.execute(update(Schedule), moves)  # one UPDATE by primary key, run for every row at once
    return claimed


def retry_later(session: Session, schedule_id: int, at: datetime) -> None:
    """Pull a schedule's next run forward to ``at`` (the local runner's retry with backoff)."""
    sc = session.get(Schedule, schedule_id)
    if sc is not None and sc.next_run_at is not None and at < sc.next_run_at:
        sc.next_run_at = at


def record_last_run(session: Session, schedule_id: int, at: datetime, status: str) -> None:
    session.execute(
        update(Schedule).where(Schedule.id == schedule_id).values(last_run_at=at, last_run_status=status[:16])
    )
