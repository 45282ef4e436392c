"""Flipkart credentials: the self-access application's id and secret."""

from __future__ import annotations

from pydantic import Field, SecretStr

from robnu.adapters.credentials_base import CredentialModel


class FlipkartCredentials(CredentialModel):
    seller_id: str = Field(pattern=r"^[0-9a-f]{16}$", description="16 hex characters")
    location_id: str = Field(pattern=r"^LOC[0-9a-f]{32}$", description="LOC + 32 hex")
    app_id: SecretStr = Field(min_length=4)
    app_secret: SecretStr = Field(min_length=8)
