"""A seller's marketplace accounts and their credential events as the seller reads them (``GET /v1/accounts``,
the dashboard's accounts, registry and reconnect banner). Never a secret: the API adds each account's identity
fields, masked, from the credential satellite itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from robnu.db.models import Marketplace, MarketplaceAccount, MarketplaceCredentialEvent
from robnu.domain.errors import NotFound
from robnu.services.queries.common import DEFAULT_LIMIT, Dto, Keyset, Page, paginate, text_value

ACCOUNTS = Keyset("accounts", (MarketplaceAccount.id,), descending=False)
EVENTS = Keyset("credential-events", (MarketplaceCredentialEvent.occurred_at, MarketplaceCredentialEvent.id))


class AccountView(Dto):
    id: int
    marketplace: str
    external_account_id: str
    display_name: str
    connected: bool = Field(description="false once disconnected (credentials deleted)")
    needs_reconnect: bool
    last_validation_status: str
    last_validated_at: datetime | None
    created_at: datetime


class CredentialEventView(Dto):
    id: int
    occurred_at: datetime
    kind: str
    http_status: int | None
    code: str | None
    message: str | None


@dataclass(frozen=True)
class AccountFilters:
    marketplace: str | None = None
    needs_reconnect: bool | None = None
    connected: bool | None = None


def _view(a: MarketplaceAccount, code: str) -> AccountView:
    return AccountView(
        id=a.id,
        marketplace=code,
        external_account_id=a.external_account_id,
        display_name=a.display_name,
        connected=a.disconnected_at is None,
        needs_reconnect=a.needs_reconnect,
        last_validation_status=a.last_validation_status,
        last_validated_at=a.last_validated_at,
        created_at=a.created_at,
    )


def _query(seller_id: int) -> Select[tuple[MarketplaceAccount, str]]:
    return (
        select(MarketplaceAccount, Marketplace.code)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .where(MarketplaceAccount.seller_id == seller_id)
    )


def list_accounts(
    s: Session,
    seller_id: int,
    filters: AccountFilters = AccountFilters(),
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[AccountView]:
    """The seller's accounts in the order they were connected."""
    q = _query(seller_id)
    code = text_value("marketplace", filters.marketplace)
    if code:
        q = q.where(Marketplace.code == code)
    if filters.needs_reconnect is not None:
        q = q.where(MarketplaceAccount.needs_reconnect.is_(filters.needs_reconnect))
    if filters.connected is not None:
        gone = MarketplaceAccount.disconnected_at
        q = q.where(gone.is_(None) if filters.connected else gone.is_not(None))
    rows, next_cursor = paginate(s, q, ACCOUNTS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].id,))
    return Page[AccountView](items=[_view(a, code) for a, code in rows], next_cursor=next_cursor)


def get_account(s: Session, seller_id: int, account_id: int) -> AccountView:
    """One of the seller's accounts; another seller's is NotFound, exactly like one that does not exist."""
    row = s.execute(_query(seller_id).where(MarketplaceAccount.id == account_id)).one_or_none()
    if row is None:
        raise NotFound(f"account {account_id} does not exist")
    return _view(row[0], row[1])


def list_credential_events(
    s: Session, seller_id: int, account_id: int, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[CredentialEventView]:
    """The account's validations and authentication failures, newest first."""
    get_account(s, seller_id, account_id)
    q = select(MarketplaceCredentialEvent).where(
        MarketplaceCredentialEvent.seller_id == seller_id,
        MarketplaceCredentialEvent.marketplace_account_id == account_id,
    )
    rows, next_cursor = paginate(
        s, q, EVENTS, cursor=cursor, limit=limit, sort_values=lambda r: (r[0].occurred_at, r[0].id)
    )
    events = [CredentialEventView.model_validate(e, from_attributes=True) for (e,) in rows]  # its columns, by name
    return Page[CredentialEventView](items=events, next_cursor=next_cursor)
