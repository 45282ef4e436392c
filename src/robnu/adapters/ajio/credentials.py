"""AJIO's four-blob credential set {pob_id, api_password, store, einvoice} (modelled)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator

from robnu.adapters.credentials_base import CredentialModel
from robnu.domain.india import GST_STATE_CODES, gstin_problem


class AjioStore(CredentialModel):
    store_code: str = Field(min_length=1, max_length=40)
    ship_from_pincode: str = Field(pattern=r"^[1-9][0-9]{5}$")
    state_code: str
    seller_gstin: str
    invoice_series_prefix: str = Field(pattern=r"^[A-Za-z0-9/-]{1,8}$")

    @field_validator("state_code")
    @classmethod
    def _state(cls, v: str) -> str:
        if v not in GST_STATE_CODES:
            raise ValueError("not a GST state code")
        return v

    @field_validator("seller_gstin")
    @classmethod
    def _gstin(cls, v: str) -> str:
        problem = gstin_problem(v)
        if problem:
            raise ValueError(f"GSTIN {problem}")
        return v


class AjioEInvoice(CredentialModel):
    enabled: bool
    gsp_provider: str | None = None
    gstin: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> AjioEInvoice:
        if self.enabled:
            for name in ("gsp_provider", "gstin", "username", "password", "client_id", "client_secret"):
                if getattr(self, name) is None:
                    raise ValueError(f"{name} is required when e-invoicing is enabled")
        return self


class AjioCredentials(CredentialModel):
    pob_id: str = Field(pattern=r"^DV[A-Z0-9]{6}$", description="POB id: DV + 6 alphanumerics")
    api_password: SecretStr = Field(min_length=6)
    store: AjioStore
    einvoice: AjioEInvoice = AjioEInvoice(enabled=False)
