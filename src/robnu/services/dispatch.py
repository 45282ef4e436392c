"""Per-account dispatch settings (closure policy, batch cut-offs, SLA offsets, invoice series) and the
seller's tax identity, stored and validated. An account with no stored row runs on the defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from robnu.db.dispatch_models import DispatchSettingsRow
from robnu.db.models import MarketplaceAccount, Seller
from robnu.domain.dispatch import ClosurePolicy, DispatchSettings, apply_changes, check_gstin, parse_cutoffs
from robnu.domain.dispatch import format_cutoffs as _format_cutoffs
from robnu.domain.errors import InvalidInput, NotFound
from robnu.services.runtime import Runtime


def settings_from_row(row: DispatchSettingsRow | None) -> DispatchSettings:
    """An account's stored settings row as settings (the defaults where there is no row)."""
    if row is None:
        return DispatchSettings()
    return DispatchSettings(
        closure_policy=ClosurePolicy(row.closure_policy),
        batch_cutoffs=parse_cutoffs(row.batch_cutoffs),
        delayed_close_minutes=row.delayed_close_minutes,
        manual_autoclose=row.manual_autoclose,
        pickup_offset_minutes=row.pickup_offset_minutes,
        async_max_wait_minutes=row.async_max_wait_minutes,
        seller_gstin=row.seller_gstin,
        invoice_prefix=row.invoice_prefix,
    )


def stored_settings(session: Session, account_id: int) -> DispatchSettings:
    """What the account has configured (defaults where nothing is), without the seller fallback."""
    row = session.get(DispatchSettingsRow, account_id)
    return settings_from_row(row)


def account_settings(rt: Runtime, account_id: int) -> DispatchSettings:
    """An existing account's stored settings (NotFound for an unknown account)."""
    with rt.sessions() as s:
        if s.get(MarketplaceAccount, account_id) is None:
            raise NotFound(f"account {account_id} does not exist")
        return stored_settings(s, account_id)


def effective_settings(session: Session, account: MarketplaceAccount) -> DispatchSettings:
    """The settings a flow runs on: the account's, with the seller's GSTIN where the account sets none."""
    settings = stored_settings(session, account.id)
    if settings.seller_gstin is None:
        seller = session.get(Seller, account.seller_id)
        if seller is not None and seller.gstin:
            settings = replace(settings, seller_gstin=seller.gstin)
    return settings


def update_settings(rt: Runtime, account_id: int, changes: Mapping[str, Any]) -> DispatchSettings:
    """Validate every change first (InvalidInput names the field); write all of them or none."""
    with rt.session() as s:
        account = s.get(MarketplaceAccount, account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist")
        settings = apply_changes(stored_settings(s, account_id), changes)
        row = s.get(DispatchSettingsRow, account_id)
        if row is None:
            row = DispatchSettingsRow(marketplace_account_id=account_id, seller_id=account.seller_id)
            s.add(row)
        row.closure_policy = settings.closure_policy.value
        row.batch_cutoffs = _format_cutoffs(settings.batch_cutoffs)
        row.delayed_close_minutes = settings.delayed_close_minutes
        row.manual_autoclose = settings.manual_autoclose
        row.pickup_offset_minutes = settings.pickup_offset_minutes
        row.async_max_wait_minutes = settings.async_max_wait_minutes
        row.seller_gstin = settings.seller_gstin
        row.invoice_prefix = settings.invoice_prefix
        row.updated_at = rt.clock.now()
        return settings


def set_seller_tax_identity(rt: Runtime, seller_id: int, *, gstin: str | None, legal_name: str | None) -> None:
    """The seller's principal GSTIN (format and checksum checked) and registered name."""
    checked = check_gstin(gstin, "gstin") if gstin else None
    name = legal_name.strip() if legal_name else None
    if legal_name is not None and not name:
        raise InvalidInput("legal_name", "must not be empty")
    with rt.session() as s:
        seller = s.get(Seller, seller_id)
        if seller is None:
            raise NotFound(f"seller {seller_id} does not exist")
        if gstin is not None:
            seller.gstin = checked
        if name is not None:
            seller.legal_name = name


def describe(settings: DispatchSettings) -> dict[str, str]:
    """Settings as display strings (CLI tables, run reports)."""
    return {
        "closure_policy": settings.closure_policy.value,
        "batch_cutoffs": _format_cutoffs(settings.batch_cutoffs) + " IST",
        "delayed_close_minutes": str(settings.delayed_close_minutes),
        "manual_autoclose": "yes" if settings.manual_autoclose else "no",
        "pickup_offset_minutes": str(settings.pickup_offset_minutes),
        "async_max_wait_minutes": str(settings.async_max_wait_minutes),
        "seller_gstin": settings.seller_gstin or "(seller's)",
        "invoice_prefix": settings.invoice_prefix or "(marketplace default)",
    }
