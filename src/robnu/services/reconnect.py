"""Reconnect an account: the seller hands in a new credential set for the same marketplace account; it is
checked, sealed in place of the old one and the account's reconnect flag is cleared — all in one transaction.
A real check with the marketplace follows (``validation.validate_account``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from robnu.adapters.credentials_base import parse_credentials
from robnu.db.models import MarketplaceAccessToken, MarketplaceAccount
from robnu.domain.errors import InvalidInput, NotFound
from robnu.services.accounts import adapter_for
from robnu.services.credentials import satellite_values
from robnu.services.runtime import Runtime


def reconnect_account(rt: Runtime, seller_id: int, account_id: int, credentials: dict[str, Any]) -> None:
    with rt.sessions() as s:
        account = s.execute(
            select(MarketplaceAccount).where(
                MarketplaceAccount.id == account_id, MarketplaceAccount.seller_id == seller_id
            )
        ).scalar_one_or_none()
        if account is None:
            raise NotFound(f"account {account_id} does not exist")
        adapter = adapter_for(rt, account)
    spec = adapter.satellite
    creds = parse_credentials(spec.credentials, credentials)  # before anything is written
    external = str(getattr(creds, spec.external_account_field))
    if external != account.external_account_id:
        raise InvalidInput(
            spec.external_account_field,
            f"belongs to another marketplace account ({account.external_account_id} is this one's)",
        )
    rt.vault.ring  # noqa: B018  (open the key ring before the write transaction: it may write a key fingerprint)
    now = rt.clock.now()
    with rt.session() as s:
        row = s.get(MarketplaceAccount, account_id)
        assert row is not None
        values = satellite_values(spec, rt.vault, row, creds)
        s.execute(
            update(spec.model)
            .where(spec.model.marketplace_account_id == account_id)  # type: ignore[attr-defined]
            .values(updated_at=now, **values)
        )
        # Tokens minted from the old credentials are no proof of the new ones.
        s.query(MarketplaceAccessToken).filter(MarketplaceAccessToken.marketplace_account_id == account_id).delete()
        row.needs_reconnect = False
        row.last_validation_status = "NEVER"
        row.updated_at = now
