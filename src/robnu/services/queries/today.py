"""Today: per marketplace account, the morning's work at a glance (the dashboard's home page and
``GET /v1/today``): new orders of the IST day, orders waiting per processing stage, held orders and why, open
batches with their cut-off, stock pushes pending and failed, the last run, and the free tier's use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from robnu.adapters.processing import ProcessingStatus
from robnu.adapters.registry import AdapterRegistry
from robnu.db.models import InventoryTask, Marketplace, MarketplaceAccount, Order, RunReport, Seller
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.domain.clock import ist_day, ist_midnight
from robnu.domain.errors import UnknownMarketplace
from robnu.domain.statuses import InventoryTaskStatus
from robnu.services.queries.common import Dto
from robnu.services.quota import daily_limit, used_today

WAITING = (ProcessingStatus.PENDING, ProcessingStatus.IN_PROGRESS)
HELD = (ProcessingStatus.HELD, ProcessingStatus.HELD_QUOTA)
FAILED_PUSHES = (InventoryTaskStatus.FAILED, InventoryTaskStatus.DEAD)


class StageCount(Dto):
    stage: int
    name: str
    orders: int


class HeldOrder(Dto):
    order_id: int
    external_id: str
    status: str
    reason: str


class OpenBatch(Dto):
    batch_id: int
    ist_day: str
    batch_no: int
    cutoff_at: datetime
    closure_policy: str


class LastRun(Dto):
    report_id: int
    target: str
    status: str
    started_at: datetime
    error: str | None


class AccountToday(Dto):
    account_id: int
    marketplace: str
    display_name: str
    needs_reconnect: bool
    new_orders: int
    waiting: list[StageCount]  # orders waiting for each stage (an order at stage n waits for n + 1)
    held: list[HeldOrder]  # the latest few; held_total counts them all
    held_total: int
    open_batches: list[OpenBatch]
    pushes_pending: int
    pushes_failed: int
    last_run: LastRun | None


class FreeTier(Dto):
    used: int
    limit: int | None  # None: the plan has no daily limit


class TodayBoard(Dto):
    accounts: list[AccountToday]
    free_tier: FreeTier


HELD_SHOWN = 10  # per account; the count says how many more there are


def _stage_names(registry: AdapterRegistry, code: str) -> dict[int, str]:
    try:
        flow = registry.get(code).flow
    except UnknownMarketplace:
        return {}
    return {} if flow is None else {spec.number: spec.name for spec in flow.stages}


def today_board(s: Session, registry: AdapterRegistry, seller_id: int, now: datetime) -> TodayBoard:
    """Counts of today (IST) for each of the seller's accounts, and the seller's free-tier use."""
    accounts = s.execute(
        select(MarketplaceAccount, Marketplace.code)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .where(MarketplaceAccount.seller_id == seller_id)
        .order_by(Marketplace.code, MarketplaceAccount.id)
    ).all()
    # Each account's fields for AccountToday, filled in by the queries below.
    board: dict[int, dict[str, Any]] = {
        a.id: {
            "account_id": a.id,
            "marketplace": code,
            "display_name": a.display_name,
            "needs_reconnect": a.needs_reconnect,
            "new_orders": 0,
            "waiting": [],
            "held": [],
            "held_total": 0,
            "open_batches": [],
            "pushes_pending": 0,
            "pushes_failed": 0,
            "last_run": None,
        }
        for a, code in accounts
    }
    codes = {a.id: code for a, code in accounts}
    midnight = ist_midnight(ist_day(now))
    for account_id, n in s.execute(
        select(Order.marketplace_account_id, func.count())
        .where(Order.seller_id == seller_id, Order.ordered_at >= midnight)
        .group_by(Order.marketplace_account_id)
    ):
        if account_id in board:
            board[account_id]["new_orders"] = int(n)
    for account_id, stage, n in s.execute(
        select(OrderProcessing.marketplace_account_id, OrderProcessing.stage, func.count())
        .where(OrderProcessing.seller_id == seller_id, OrderProcessing.status.in_(WAITING))
        .group_by(OrderProcessing.marketplace_account_id, OrderProcessing.stage)
        .order_by(OrderProcessing.marketplace_account_id, OrderProcessing.stage)
    ):
        if account_id in board:
            names = _stage_names(registry, codes[account_id])
            # An order at stage n has completed n: it waits on the next one.
            nxt = int(stage) + 1
            board[account_id]["waiting"].append(
                StageCount(stage=nxt, name=names.get(nxt, f"stage {nxt}"), orders=int(n))
            )
    for account_id, n in s.execute(
        select(OrderProcessing.marketplace_account_id, func.count())
        .where(OrderProcessing.seller_id == seller_id, OrderProcessing.status.in_(HELD))
        .group_by(OrderProcessing.marketplace_account_id)
    ):
        if account_id in board:
            board[account_id]["held_total"] = int(n)
    for account_id in board:
        held = s.execute(
            select(OrderProcessing.order_id, Order.external_id, OrderProcessing.status, OrderProcessing.held_reason)
            .join(Order, Order.id == OrderProcessing.order_id)
            .where(
                OrderProcessing.seller_id == seller_id,
                OrderProcessing.marketplace_account_id == account_id,
                OrderProcessing.status.in_(HELD),
            )
            .order_by(OrderProcessing.updated_at.desc(), OrderProcessing.order_id)
            .limit(HELD_SHOWN)
        ).all()
        board[account_id]["held"] = [
            HeldOrder(order_id=oid, external_id=ext, status=status, reason=reason or _held_default(status))
            for oid, ext, status, reason in held
        ]
    for batch in s.execute(
        select(ProcessingBatch)
        .where(ProcessingBatch.seller_id == seller_id, ProcessingBatch.status == "OPEN")
        .order_by(ProcessingBatch.cutoff_at)
    ).scalars():
        if batch.marketplace_account_id in board:
            board[batch.marketplace_account_id]["open_batches"].append(
                OpenBatch(
                    batch_id=batch.id,
                    ist_day=batch.ist_day,
                    batch_no=batch.batch_no,
                    cutoff_at=batch.cutoff_at,
                    closure_policy=batch.closure_policy,
                )
            )
    for account_id, status, n in s.execute(
        select(InventoryTask.marketplace_account_id, InventoryTask.status, func.count())
        .where(
            InventoryTask.seller_id == seller_id,
            InventoryTask.status.in_((InventoryTaskStatus.PENDING, InventoryTaskStatus.IN_FLIGHT, *FAILED_PUSHES)),
        )
        .group_by(InventoryTask.marketplace_account_id, InventoryTask.status)
    ):
        if account_id not in board:
            continue
        if status in FAILED_PUSHES:
            board[account_id]["pushes_failed"] += int(n)
        else:
            board[account_id]["pushes_pending"] += int(n)
    latest = (
        select(RunReport.marketplace_account_id, func.max(RunReport.id).label("last_id"))
        .where(RunReport.seller_id == seller_id)
        .group_by(RunReport.marketplace_account_id)
        .subquery()
    )
    for r in s.execute(select(RunReport).join(latest, latest.c.last_id == RunReport.id)).scalars():
        if r.marketplace_account_id in board:
            board[r.marketplace_account_id]["last_run"] = LastRun(
                report_id=r.id, target=r.target, status=r.status, started_at=r.started_at, error=r.error
            )
    plan = s.execute(select(Seller.plan).where(Seller.id == seller_id)).scalar_one()
    return TodayBoard(
        accounts=[AccountToday(**a) for a in board.values()],
        free_tier=FreeTier(used=used_today(s, seller_id, now), limit=daily_limit(plan)),
    )


def _held_default(status: str) -> str:
    if status == ProcessingStatus.HELD_QUOTA:
        return "over the free plan's orders for today; processed tomorrow or after an upgrade"
    return "held (no reason recorded)"
