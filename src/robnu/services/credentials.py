"""Store and load a marketplace account's typed credentials through its satellite and the vault."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.adapters.credentials_base import parse_credentials, reveal
from robnu.db.models import MarketplaceAccount
from robnu.db.satellite import SatelliteSpec
from robnu.domain.errors import NotFound
from robnu.security.vault import Binding, CredentialVault

SECRET_MASK = "********"  # noqa: S105  (a mask, not a secret)


def binding(spec: SatelliteSpec, account: MarketplaceAccount, column: str) -> Binding:
    return Binding(seller_id=account.seller_id, table=spec.table, row_id=account.id, column=column)


def satellite_values(
    spec: SatelliteSpec, vault: CredentialVault, account: MarketplaceAccount, creds: BaseModel
) -> dict[str, Any]:
    """Column values for the satellite row: identity in clear, each secret sealed to its own column."""
    values: dict[str, Any] = {}
    for field_name, column in spec.identity.items():
        value = getattr(creds, field_name)
        values[column] = value if isinstance(value, str) else json.dumps(reveal(value))
    for field_name, column in spec.secrets.items():
        plaintext = json.dumps(reveal(getattr(creds, field_name)))
        values[column] = vault.seal(plaintext, binding(spec, account, column))
    return values


def load_credentials(
    session: Session, spec: SatelliteSpec, vault: CredentialVault, account: MarketplaceAccount
) -> BaseModel:
    row = session.execute(
        select(spec.model).where(spec.model.marketplace_account_id == account.id)  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"account {account.id} has no {spec.table} row")
    data: dict[str, Any] = {}
    for field_name, column in spec.identity.items():
        raw = getattr(row, column)
        annotation = spec.credentials.model_fields[field_name].annotation
        data[field_name] = raw if annotation is str else json.loads(raw)
    for field_name, column in spec.secrets.items():
        data[field_name] = json.loads(vault.open(getattr(row, column), binding(spec, account, column)))
    return parse_credentials(spec.credentials, data)


def masked(creds: BaseModel) -> dict[str, Any]:
    """A display form: identity values as they are, every secret (nested ones too) as a fixed mask that shows
    none of it, not even its length or last characters."""
    out: dict[str, Any] = {}
    for name in type(creds).model_fields:
        value = getattr(creds, name)
        if isinstance(value, SecretStr):
            out[name] = SECRET_MASK
        elif isinstance(value, BaseModel):
            out[name] = masked(value)
        else:
            out[name] = value
    return out
