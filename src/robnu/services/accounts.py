"""Sellers and marketplace accounts: create, connect (credentials checked and sealed), list, show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from robnu.adapters.base import MarketplaceAdapter
from robnu.adapters.credentials_base import parse_credentials, reveal
from robnu.db.models import Marketplace, MarketplaceAccessToken, MarketplaceAccount, Schedule, Seller
from robnu.domain.errors import Conflict, InvalidInput, NotFound
from robnu.domain.permissions import Role
from robnu.domain.statuses import MarketplaceStatus, Plan
from robnu.services.audit import SYSTEM, Actor, AuditAction, record
from robnu.services.credentials import load_credentials, masked, satellite_values
from robnu.services.runtime import Runtime
from robnu.services.schedules import create_default_schedules
from robnu.services.users import AddedUser, add_member, check_email


def create_seller(rt: Runtime, name: str, *, plan: str = Plan.FREE, owner_email: str | None = None) -> int:
    return create_seller_with_owner(rt, name, plan=plan, owner_email=owner_email)[0]


def create_seller_with_owner(
    rt: Runtime, name: str, *, plan: str = Plan.FREE, owner_email: str | None = None
) -> tuple[int, AddedUser | None]:
    """A seller and, with ``owner_email``, its first OWNER: a new user gets a one-time password (returned,
    to be shown once); an existing user simply joins as OWNER."""
    name = name.strip()
    if not name:
        raise InvalidInput("name", "must not be empty")
    if len(name) > 200 or not name.isprintable():
        raise InvalidInput("name", "must be at most 200 printable characters")
    if plan not in Plan.__members__:
        raise InvalidInput("plan", f"must be one of {', '.join(Plan)}")
    if owner_email is not None:
        owner_email = check_email(owner_email, "owner_email")
    with rt.session() as s:
        seller = Seller(name=name, plan=plan, created_at=rt.clock.now())
        s.add(seller)
        s.flush()
        owner = add_member(s, seller.id, owner_email, Role.OWNER, rt.clock.now()) if owner_email else None
        return seller.id, owner


def change_plan(rt: Runtime, seller_id: int, plan: str) -> None:
    """Move the seller to another plan. Orders held for the free tier's quota are taken by the next
    processing run (the quota is asked again for every held order)."""
    plan = plan.strip().upper()
    if plan not in Plan.__members__:
        raise InvalidInput("plan", f"must be one of {', '.join(Plan)}")
    with rt.session() as s:
        seller = s.get(Seller, seller_id)
        if seller is None:
            raise NotFound(f"seller {seller_id} does not exist")
        seller.plan = plan


@dataclass(frozen=True)
class AccountView:
    id: int
    seller_id: int
    marketplace: str
    external_account_id: str
    display_name: str
    last_validation_status: str
    needs_reconnect: bool
    credentials: dict[str, Any] | None = None  # masked


def connect_account(
    rt: Runtime, seller_id: int, code: str, credentials: dict[str, Any], *, display_name: str | None = None
) -> int:
    """Check the credentials' shape, then write the account and its sealed satellite in one transaction."""
    with rt.session() as s:
        return connect_in(s, rt, seller_id, code, credentials, display_name=display_name)


def connect_in(
    s: Session,
    rt: Runtime,
    seller_id: int,
    code: str,
    credentials: dict[str, Any] | BaseModel,
    *,
    display_name: str | None = None,
    actor: Actor = SYSTEM,
) -> int:
    """``connect_account`` inside the caller's transaction (a tenant-scoped one from the API)."""
    adapter = rt.registry.get(code)
    creds = _parse(adapter, credentials)  # before anything is written
    external = str(getattr(creds, adapter.satellite.external_account_field))
    now = rt.clock.now()
    rt.vault.ring  # noqa: B018  (open the key ring before the write: it may write a key fingerprint)
    if s.get(Seller, seller_id) is None:
        raise InvalidInput("seller_id", f"seller {seller_id} does not exist")
    marketplace = s.execute(select(Marketplace).where(Marketplace.code == code)).scalar_one_or_none()
    if marketplace is None:
        raise InvalidInput("marketplace", f"{code} has no marketplaces row (run `robnu db upgrade`)")
    if marketplace.status == MarketplaceStatus.DISABLED:
        raise InvalidInput("marketplace", f"{code} is DISABLED in the registry: no new account is connected")
    account = MarketplaceAccount(
        seller_id=seller_id,
        marketplace_id=marketplace.id,
        external_account_id=external,
        display_name=display_name or f"{adapter.display_name} {external}",
        last_validation_status="NEVER",
        needs_reconnect=False,
        created_at=now,
        updated_at=now,
    )
    s.add(account)
    try:
        s.flush()  # the unique (seller, marketplace, external id) decides; the caller's transaction rolls back
    except IntegrityError:
        raise Conflict("external_account_id", f"seller {seller_id} already has a {code} account {external}") from None
    values = satellite_values(adapter.satellite, rt.vault, account, creds)
    s.add(adapter.satellite.model(marketplace_account_id=account.id, seller_id=seller_id, updated_at=now, **values))
    create_default_schedules(s, account, adapter, now)
    record(
        s, seller_id, AuditAction.CREDENTIALS_CONNECTED, now, actor, subject=f"account:{account.id}", marketplace=code
    )
    return account.id


def _parse(adapter: MarketplaceAdapter, credentials: dict[str, Any] | BaseModel) -> BaseModel:
    data: dict[str, Any] = reveal(credentials) if isinstance(credentials, BaseModel) else credentials
    return parse_credentials(adapter.satellite.credentials, data)


def reconnect_in(
    s: Session,
    rt: Runtime,
    account: MarketplaceAccount,
    credentials: dict[str, Any] | BaseModel,
    *,
    actor: Actor = SYSTEM,
) -> None:
    """New credentials for the same marketplace account (the account id there must not change): sealed
    anew, the cached marketplace token dropped, reconnect cleared, schedules paused for it resumed."""
    adapter = adapter_for(rt, account)
    creds = _parse(adapter, credentials)
    external = str(getattr(creds, adapter.satellite.external_account_field))
    if external != account.external_account_id:
        raise InvalidInput(
            adapter.satellite.external_account_field,
            f"names account {external}, but this is account {account.external_account_id}; connect it instead",
        )
    now = rt.clock.now()
    rt.vault.ring  # noqa: B018
    model: Any = adapter.satellite.model
    s.execute(delete(model).where(model.marketplace_account_id == account.id))
    s.execute(delete(MarketplaceAccessToken).where(MarketplaceAccessToken.marketplace_account_id == account.id))
    values = satellite_values(adapter.satellite, rt.vault, account, creds)
    s.add(model(marketplace_account_id=account.id, seller_id=account.seller_id, updated_at=now, **values))
    was_disconnected = account.disconnected_at is not None
    account.needs_reconnect, account.disconnected_at = False, None
    account.last_validation_status, account.updated_at = "NEVER", now
    paused = select(Schedule).where(Schedule.marketplace_account_id == account.id, Schedule.enabled.is_(False))
    for schedule in s.execute(paused).scalars():
        schedule.enabled = True
    record(
        s,
        account.seller_id,
        AuditAction.CREDENTIALS_RECONNECTED,
        now,
        actor,
        subject=f"account:{account.id}",
        after_disconnect=was_disconnected,
    )


def disconnect_in(s: Session, rt: Runtime, account: MarketplaceAccount, *, actor: Actor = SYSTEM) -> None:
    """Forget the credentials and stop every schedule; what was synced stays (reconnect to go on)."""
    adapter = adapter_for(rt, account)
    now = rt.clock.now()
    model: Any = adapter.satellite.model
    s.execute(delete(model).where(model.marketplace_account_id == account.id))
    s.execute(delete(MarketplaceAccessToken).where(MarketplaceAccessToken.marketplace_account_id == account.id))
    for schedule in s.execute(select(Schedule).where(Schedule.marketplace_account_id == account.id)).scalars():
        schedule.enabled = False
    account.disconnected_at, account.needs_reconnect, account.updated_at = now, True, now
    record(s, account.seller_id, AuditAction.ACCOUNT_DISCONNECTED, now, actor, subject=f"account:{account.id}")


def adapter_for(rt: Runtime, account: MarketplaceAccount) -> MarketplaceAdapter:
    with rt.sessions() as s:
        code = s.execute(select(Marketplace.code).where(Marketplace.id == account.marketplace_id)).scalar_one()
    return rt.registry.get(code)


def list_accounts(rt: Runtime, seller_id: int | None = None) -> list[AccountView]:
    with rt.sessions() as s:
        q = select(MarketplaceAccount, Marketplace.code).join(Marketplace).order_by(MarketplaceAccount.id)
        if seller_id is not None:
            q = q.where(MarketplaceAccount.seller_id == seller_id)
        return [_view(a, code) for a, code in s.execute(q).all()]


def show_account(rt: Runtime, account_id: int) -> AccountView:
    with rt.sessions() as s:
        row = s.execute(
            select(MarketplaceAccount, Marketplace.code).join(Marketplace).where(MarketplaceAccount.id == account_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"account {account_id} does not exist")
        account, code = row
        creds = load_credentials(s, rt.registry.get(code).satellite, rt.vault, account)
        return _view(account, code, masked(creds))


def count_accounts(rt: Runtime) -> int:
    with rt.sessions() as s:
        return int(s.execute(select(func.count(MarketplaceAccount.id))).scalar_one())


def _view(account: MarketplaceAccount, code: str, creds: dict[str, Any] | None = None) -> AccountView:
    return AccountView(
        id=account.id,
        seller_id=account.seller_id,
        marketplace=code,
        external_account_id=account.external_account_id,
        display_name=account.display_name,
        last_validation_status=account.last_validation_status,
        needs_reconnect=account.needs_reconnect,
        credentials=creds,
    )
