"""A seller's marketplace accounts with their credential history and schedules (never a secret)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.models import Marketplace, MarketplaceAccount, MarketplaceCredentialEvent, Schedule
from robnu.domain.errors import NotFound

EVENTS_SHOWN = 20


@dataclass(frozen=True)
class CredentialEventRow:
    occurred_at: datetime
    kind: str
    http_status: int | None
    code: str | None
    message: str | None


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    target: str
    interval_seconds: int | None
    cron: str | None
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_run_status: str | None


@dataclass
class AccountRow:
    id: int
    marketplace: str
    external_account_id: str
    display_name: str
    last_validation_status: str
    last_validated_at: datetime | None
    needs_reconnect: bool
    events: list[CredentialEventRow] = field(default_factory=list)
    schedules: list[ScheduleRow] = field(default_factory=list)


def seller_accounts(s: Session, seller_id: int) -> list[AccountRow]:
    return [
        AccountRow(
            a.id,
            code,
            a.external_account_id,
            a.display_name,
            a.last_validation_status,
            a.last_validated_at,
            a.needs_reconnect,
        )
        for a, code in s.execute(
            select(MarketplaceAccount, Marketplace.code)
            .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
            .where(MarketplaceAccount.seller_id == seller_id)
            .order_by(Marketplace.code, MarketplaceAccount.id)
        ).all()
    ]


def account_detail(s: Session, seller_id: int, account_id: int) -> AccountRow:
    """One of the seller's accounts; another seller's is NotFound, exactly like one that does not exist."""
    row = next((a for a in seller_accounts(s, seller_id) if a.id == account_id), None)
    if row is None:
        raise NotFound(f"account {account_id} does not exist")
    row.events = [
        CredentialEventRow(e.occurred_at, e.kind, e.http_status, e.code, e.message)
        for e in s.execute(
            select(MarketplaceCredentialEvent)
            .where(
                MarketplaceCredentialEvent.seller_id == seller_id,
                MarketplaceCredentialEvent.marketplace_account_id == account_id,
            )
            .order_by(MarketplaceCredentialEvent.occurred_at.desc(), MarketplaceCredentialEvent.id.desc())
            .limit(EVENTS_SHOWN)
        ).scalars()
    ]
    row.schedules = [
        ScheduleRow(
            sc.id,
            sc.target,
            sc.interval_seconds,
            sc.cron,
            sc.enabled,
            sc.next_run_at,
            sc.last_run_at,
            sc.last_run_status,
        )
        for sc in s.execute(
            select(Schedule)
            .where(Schedule.seller_id == seller_id, Schedule.marketplace_account_id == account_id)
            .order_by(Schedule.target)
        ).scalars()
    ]
    return row


def owns_account(s: Session, seller_id: int, account_id: int) -> bool:
    return (
        s.execute(
            select(MarketplaceAccount.id).where(
                MarketplaceAccount.seller_id == seller_id, MarketplaceAccount.id == account_id
            )
        ).scalar_one_or_none()
        is not None
    )


def reconnect_flags(s: Session, seller_id: int) -> list[tuple[int, str]]:
    """(account id, display name) of every account that needs reconnecting: the banner on every page."""
    return [
        (int(i), str(n))
        for i, n in s.execute(
            select(MarketplaceAccount.id, MarketplaceAccount.display_name)
            .where(MarketplaceAccount.seller_id == seller_id, MarketplaceAccount.needs_reconnect.is_(True))
            .order_by(MarketplaceAccount.id)
        ).all()
    ]
