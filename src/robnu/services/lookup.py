"""Existence checks for ids a user names: an unknown seller or account is an error, not an empty list."""

from __future__ import annotations

from robnu.db.models import MarketplaceAccount, Seller
from robnu.domain.errors import NotFound
from robnu.services.runtime import Runtime


def require_seller(rt: Runtime, seller_id: int | None) -> None:
    if seller_id is None:
        return
    with rt.sessions() as s:
        if s.get(Seller, seller_id) is None:
            raise NotFound(f"seller {seller_id} does not exist")


def require_account(rt: Runtime, account_id: int | None) -> None:
    if account_id is None:
        return
    with rt.sessions() as s:
        if s.get(MarketplaceAccount, account_id) is None:
            raise NotFound(f"account {account_id} does not exist")
