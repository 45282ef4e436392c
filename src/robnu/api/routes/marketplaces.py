"""The marketplace registry: what Robnu can connect, with each marketplace's credential schema."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, SecretStr

from robnu.adapters.base import MarketplaceAdapter
from robnu.api.deps import Tenant, require, runtime
from robnu.api.problems import problem_responses
from robnu.domain.permissions import Permission

router = APIRouter(prefix="/v1/marketplaces", tags=["marketplaces"])


class MarketplaceOut(BaseModel):
    code: str
    display_name: str
    supported_targets: list[str]
    credential_fields: list[str]
    secret_fields: list[str]
    external_account_field: str
    credentials_schema: dict[str, Any]


def _out(adapter: MarketplaceAdapter) -> MarketplaceOut:
    spec = adapter.satellite
    model = spec.credentials
    secrets = [n for n, f in model.model_fields.items() if f.annotation is SecretStr]
    return MarketplaceOut(
        code=adapter.code,
        display_name=adapter.display_name,
        supported_targets=sorted(adapter.supported_targets),
        credential_fields=list(model.model_fields),
        secret_fields=sorted(set(secrets) | set(spec.secrets)),
        external_account_field=spec.external_account_field,
        credentials_schema=model.model_json_schema(),
    )


@router.get("", response_model=list[MarketplaceOut], responses=problem_responses(401, 403, 429))
def list_marketplaces(request: Request, tenant: Tenant = require(Permission.ACCOUNTS_READ)) -> list[MarketplaceOut]:
    return [_out(a) for a in runtime(request).registry.all()]


@router.get("/{code}", response_model=MarketplaceOut, responses=problem_responses(401, 403, 404, 429))
def get_marketplace(
    request: Request,
    code: str = Path(max_length=32, pattern=r"^[A-Z0-9_]+$"),
    tenant: Tenant = require(Permission.ACCOUNTS_READ),
) -> MarketplaceOut:
    return _out(runtime(request).registry.get(code))
