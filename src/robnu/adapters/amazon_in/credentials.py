"""Amazon SP-API credentials: the seller's LWA refresh token, and the LWA app it was issued to.

The LWA app (client id + secret) is normally the integrator's; Robnu stores it per account so that a
seller's own private developer app works too.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from robnu.adapters.credentials_base import CredentialModel

INDIA_MARKETPLACE_ID = "A21TJRUUN4KGV"


class AmazonCredentials(CredentialModel):
    selling_partner_id: str = Field(pattern=r"^A[0-9A-Z]{9,20}$")
    marketplace_id: str = Field(default=INDIA_MARKETPLACE_ID, pattern=r"^[A-Z0-9]{10,20}$")
    region: str = Field(default="eu", pattern=r"^(na|eu|fe)$")
    lwa_client_id: SecretStr
    lwa_client_secret: SecretStr = Field(min_length=8)
    refresh_token: SecretStr

    @field_validator("refresh_token")
    @classmethod
    def _refresh_shape(cls, v: SecretStr) -> SecretStr:
        if not v.get_secret_value().startswith("Atzr|"):
            raise ValueError("an LWA refresh token starts with 'Atzr|'")
        return v

    @field_validator("lwa_client_id")
    @classmethod
    def _client_shape(cls, v: SecretStr) -> SecretStr:
        if not v.get_secret_value().startswith("amzn1.application-oa2-client."):
            raise ValueError("an LWA client id starts with 'amzn1.application-oa2-client.'")
        return v
