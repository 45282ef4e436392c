"""The seller's overview: the Today board (the dashboard's home page) and the series behind its charts, orders
per IST day per marketplace and net payouts against fees and taxes per IST month."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from robnu.api.deps import Tenant, require
from robnu.api.routes.read_common import ERRORS
from robnu.domain.clock import ist_day, ist_midnight
from robnu.domain.permissions import Permission
from robnu.services.queries import stats
from robnu.services.queries.today import TodayBoard, today_board

router = APIRouter(prefix="/v1", tags=["overview"])


@router.get("/today", response_model=TodayBoard, responses=ERRORS)
def today(tenant: Tenant = require(Permission.ORDERS_READ)) -> TodayBoard:
    """Per account: new orders of the IST day, orders waiting per stage, held orders and why, open batches with
    their cut-off, stock pushes pending and failed, the last run; and the free tier's use today."""
    return today_board(tenant.session, tenant.rt.registry, tenant.seller_id, tenant.rt.clock.now())


@router.get("/stats/orders-per-day", response_model=list[stats.DayCount], responses=ERRORS)
def orders_per_day(
    tenant: Tenant = require(Permission.ORDERS_READ),
    days: Annotated[int, Query(ge=1, le=stats.MAX_DAYS, description="IST days back, today included")] = 30,
) -> list[stats.DayCount]:
    """Orders placed per IST day and marketplace over the last ``days`` days, oldest first (days without
    orders are left out)."""
    since = ist_midnight(ist_day(tenant.rt.clock.now()) - timedelta(days=days - 1))
    return stats.orders_per_day(tenant.session, tenant.seller_id, since)


@router.get("/stats/payouts-per-month", response_model=list[stats.MonthMoney], responses=ERRORS)
def payouts_per_month(tenant: Tenant = require(Permission.PAYOUTS_READ)) -> list[stats.MonthMoney]:
    """Net paid and fees and taxes per IST month of payment, oldest first."""
    return stats.payouts_per_month(tenant.session, tenant.seller_id)
