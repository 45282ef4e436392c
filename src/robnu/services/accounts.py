"""Sellers and marketplace accounts: create, connect (credentials checked and sealed), list, show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from robnu.adapters.base import MarketplaceAdapter
from robnu.adapters.credentials_base import parse_credentials
from robnu.db.models import Marketplace, MarketplaceAccount, Seller, User
from robnu.domain.errors import InvalidInput, NotFound
from robnu.domain.statuses import MarketplaceStatus, Plan, UserRole
from robnu.services.credentials import load_credentials, masked, satellite_values
from robnu.services.runtime import Runtime
from robnu.services.schedules import create_default_schedules


def create_seller(rt: Runtime, name: str, *, plan: str = Plan.FREE, owner_email: str | None = None) -> int:
    name = name.strip()
    if not name:
        raise InvalidInput("name", "must not be empty")
    if len(name) > 200 or not name.isprintable():
        raise InvalidInput("name", "must be at most 200 printable characters")
    if plan not in Plan.__members__:
        raise InvalidInput("plan", f"must be one of {', '.join(Plan)}")
    with rt.session() as s:
        seller = Seller(name=name, plan=plan, created_at=rt.clock.now())
        s.add(seller)
        s.flush()
        if owner_email:
            if "@" not in owner_email:
                raise InvalidInput("owner_email", "is not an email address")
            s.add(
                User(
                    seller_id=seller.id,
                    email=owner_email.lower(),
                    role=UserRole.OWNER,
                    created_at=rt.clock.now(),
                )
            )
        return seller.id


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
    adapter = rt.registry.get(code)
    creds = parse_credentials(adapter.satellite.credentials, credentials)  # before anything is written
    external = str(getattr(creds, adapter.satellite.external_account_field))
    now = rt.clock.now()
    rt.vault.ring  # noqa: B018  (open the key ring before the write transaction: it may write a key fingerprint)
    try:
        with rt.session() as s:
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
            s.flush()
            values = satellite_values(adapter.satellite, rt.vault, account, creds)
            s.add(
                adapter.satellite.model(
                    marketplace_account_id=account.id, seller_id=seller_id, updated_at=now, **values
                )
            )
            create_default_schedules(s, account, adapter, now)
            return account.id
    except IntegrityError:
        raise InvalidInput(
            "external_account_id", f"seller {seller_id} already has a {code} account {external}"
        ) from None


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
