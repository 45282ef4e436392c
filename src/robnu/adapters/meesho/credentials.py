"""Meesho credentials: API key + secret bound to one supplier (modelled)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from robnu.adapters.credentials_base import CredentialModel


class MeeshoCredentials(CredentialModel):
    supplier_id: str = Field(pattern=r"^[0-9]{6}$", description="6-digit supplier id")
    api_key: SecretStr = Field(min_length=8)
    api_secret: SecretStr = Field(min_length=16)
    warehouse_ids: list[str] = Field(default_factory=list)
