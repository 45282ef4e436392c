"""Processing batches by IST day with their stages' progress, and the SLA headroom history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from robnu.adapters.registry import AdapterRegistry
from robnu.db.dispatch_models import SlaEvent
from robnu.db.models import Marketplace, MarketplaceAccount
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.domain.errors import UnknownMarketplace

DAYS_SHOWN = 7


@dataclass(frozen=True)
class BatchRow:
    id: int
    account_id: int
    marketplace: str
    account_name: str
    ist_day: str
    batch_no: int
    status: str
    closure_policy: str
    cutoff_at: datetime
    manifest_ref: str | None
    orders: int
    done: int
    held: int
    stages: int  # the flow's stage count, for the progress bar
    furthest: int  # the lowest stage reached by an open order: where the batch as a whole stands

    @property
    def may_close_by_hand(self) -> bool:
        """A user may close an open batch whose policy waits for a user (MANUAL) or for a time (DELAYED)."""
        return self.status == "OPEN" and self.closure_policy in ("MANUAL", "DELAYED")


def batches_by_day(s: Session, registry: AdapterRegistry, seller_id: int) -> dict[str, list[BatchRow]]:
    days = list(
        s.execute(
            select(ProcessingBatch.ist_day)
            .where(ProcessingBatch.seller_id == seller_id)
            .distinct()
            .order_by(ProcessingBatch.ist_day.desc())
            .limit(DAYS_SHOWN)
        ).scalars()
    )
    if not days:
        return {}
    counts: dict[int, dict[str, int]] = {}
    lowest: dict[int, int] = {}
    for batch_id, status, stage, n in s.execute(
        select(OrderProcessing.batch_id, OrderProcessing.status, func.min(OrderProcessing.stage), func.count())
        .where(OrderProcessing.seller_id == seller_id, OrderProcessing.batch_id.is_not(None))
        .group_by(OrderProcessing.batch_id, OrderProcessing.status)
    ):
        counts.setdefault(batch_id, {})[status] = int(n)
        if status in ("PENDING", "IN_PROGRESS"):
            lowest[batch_id] = min(lowest.get(batch_id, 10**6), int(stage))
    out: dict[str, list[BatchRow]] = {}
    for batch, code, name in s.execute(
        select(ProcessingBatch, Marketplace.code, MarketplaceAccount.display_name)
        .join(MarketplaceAccount, MarketplaceAccount.id == ProcessingBatch.marketplace_account_id)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .where(ProcessingBatch.seller_id == seller_id, ProcessingBatch.ist_day.in_(days))
        .order_by(ProcessingBatch.ist_day.desc(), Marketplace.code, ProcessingBatch.batch_no)
    ).all():
        c = counts.get(batch.id, {})
        stages = _stage_count(registry, code)
        out.setdefault(batch.ist_day, []).append(
            BatchRow(
                batch.id,
                batch.marketplace_account_id,
                code,
                name,
                batch.ist_day,
                batch.batch_no,
                batch.status,
                batch.closure_policy,
                batch.cutoff_at,
                batch.manifest_ref,
                sum(c.values()),
                c.get("DONE", 0),
                c.get("HELD", 0) + c.get("HELD_QUOTA", 0),
                stages,
                lowest.get(batch.id, stages),
            )
        )
    return out


def batch_account(s: Session, seller_id: int, batch_id: int) -> int | None:
    """The account of the seller's batch, or None when the seller has no such batch."""
    return s.execute(
        select(ProcessingBatch.marketplace_account_id).where(
            ProcessingBatch.seller_id == seller_id, ProcessingBatch.id == batch_id
        )
    ).scalar_one_or_none()


def _stage_count(registry: AdapterRegistry, code: str) -> int:
    try:
        flow = registry.get(code).flow
    except UnknownMarketplace:
        return 0
    return 0 if flow is None else flow.last


def headroom_history(s: Session, seller_id: int, limit: int = 200) -> list[tuple[datetime, int, float, str]]:
    """(when, batch, headroom %, band) of the recorded SLA events, oldest first: the headroom chart."""
    rows = s.execute(
        select(SlaEvent.occurred_at, SlaEvent.batch_id, SlaEvent.headroom_pct, SlaEvent.band)
        .where(SlaEvent.seller_id == seller_id)
        .order_by(SlaEvent.occurred_at.desc(), SlaEvent.id.desc())
        .limit(limit)
    ).all()
    return [(at, int(b), float(pct), band) for at, b, pct, band in reversed(rows)]
