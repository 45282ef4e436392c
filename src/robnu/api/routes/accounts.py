"""Marketplace accounts: list, get, connect (typed per-marketplace credentials), validate, reconnect,
disconnect, credential events. Credentials are write-only: an answer shows identity fields and masks
every secret, and never decrypts one to do so.

No ``from __future__ import annotations`` here: the request bodies are built per registry at run time, and
FastAPI must see their classes, not their names."""

import json
from typing import Annotated, Any, Literal, Union

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, create_model
from sqlalchemy import select

from robnu.adapters.base import MarketplaceAdapter
from robnu.adapters.registry import AdapterRegistry
from robnu.api.deps import Tenant, require
from robnu.api.idempotency import IdempotencyKeyHeader, request_hash, run_once
from robnu.api.params import id_path
from robnu.api.problems import problem_responses
from robnu.db.models import Marketplace, MarketplaceAccount
from robnu.domain.errors import Conflict, InvalidInput, NotFound
from robnu.domain.permissions import Permission
from robnu.services import accounts as account_service
from robnu.services.credentials import SECRET_MASK
from robnu.services.queries import accounts as accounts_query
from robnu.services.queries.common import DEFAULT_LIMIT, MAX_LIMIT, Page
from robnu.services.validation import validate_account

ERRORS = problem_responses(401, 403, 404, 422, 429)
AccountId = id_path()


class AccountOut(accounts_query.AccountView):
    credentials: dict[str, Any] = Field(description="identity fields; every secret masked")


class ValidationOut(BaseModel):
    account_id: int
    status: str
    http_status: int | None
    code: str | None
    message: str | None


def _masked(tenant: Tenant, adapter: MarketplaceAdapter, account_id: int) -> dict[str, Any]:
    spec = adapter.satellite
    model: Any = spec.model
    row = tenant.session.execute(select(model).where(model.marketplace_account_id == account_id)).scalar_one_or_none()
    if row is None:
        return {}
    out: dict[str, Any] = {}
    for field_name, column in spec.identity.items():
        raw = getattr(row, column)
        annotation = spec.credentials.model_fields[field_name].annotation
        out[field_name] = raw if annotation is str else json.loads(raw)
    for field_name in spec.secrets:
        out[field_name] = SECRET_MASK
    return out


def _out(tenant: Tenant, account: accounts_query.AccountView) -> AccountOut:
    adapter = tenant.rt.registry.get(account.marketplace)
    return AccountOut(**account.model_dump(), credentials=_masked(tenant, adapter, account.id))


def _account(tenant: Tenant, account_id: int) -> tuple[MarketplaceAccount, str]:
    """The account's row, for the actions that change it (reads go through the read model)."""
    row = tenant.session.execute(
        select(MarketplaceAccount, Marketplace.code).join(Marketplace).where(MarketplaceAccount.id == account_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"account {account_id} does not exist")
    return row[0], row[1]


def _read(tenant: Tenant, account_id: int) -> AccountOut:
    return _out(tenant, accounts_query.get_account(tenant.session, tenant.seller_id, account_id))


def _connect_models(registry: AdapterRegistry) -> tuple[Any, Any]:
    """The request bodies: one variant per registered marketplace, its credentials the adapter's own model
    (so the OpenAPI document states every marketplace's fields and which are secret)."""
    connect_variants: list[Any] = []
    reconnect_variants: list[Any] = []
    for adapter in registry.all():
        name = "".join(part.title() for part in adapter.code.split("_"))
        code_type: Any = Literal[adapter.code]
        optional_name: Any = str | None
        connect_variants.append(
            create_model(
                f"Connect{name}",
                marketplace=(code_type, ...),
                display_name=(optional_name, Field(default=None, min_length=1, max_length=200)),
                credentials=(adapter.satellite.credentials, ...),
            )
        )
        reconnect_variants.append(
            create_model(
                f"Reconnect{name}",
                marketplace=(code_type, ...),
                credentials=(adapter.satellite.credentials, ...),
            )
        )
    if len(connect_variants) == 1:
        return connect_variants[0], reconnect_variants[0]
    return (
        Annotated[Union[tuple(connect_variants)], Field(discriminator="marketplace")],  # noqa: UP007
        Annotated[Union[tuple(reconnect_variants)], Field(discriminator="marketplace")],  # noqa: UP007
    )


def build_router(registry: AdapterRegistry) -> APIRouter:
    router = APIRouter(prefix="/v1/accounts", tags=["accounts"])
    ConnectIn, ReconnectIn = _connect_models(registry)

    @router.get("", response_model=Page[AccountOut], responses=ERRORS)
    def list_accounts(
        tenant: Tenant = require(Permission.ACCOUNTS_READ),
        marketplace: str | None = Query(default=None, max_length=32),
        needs_reconnect: bool | None = None,
        connected: bool | None = None,
        cursor: str | None = Query(default=None, max_length=400),
        limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    ) -> Page[AccountOut]:
        filters = accounts_query.AccountFilters(
            marketplace=marketplace, needs_reconnect=needs_reconnect, connected=connected
        )
        found = accounts_query.list_accounts(tenant.session, tenant.seller_id, filters, cursor=cursor, limit=limit)
        return Page[AccountOut](items=[_out(tenant, a) for a in found.items], next_cursor=found.next_cursor)

    @router.get("/{account_id}", response_model=AccountOut, responses=ERRORS)
    def get_account(account_id: int = AccountId, tenant: Tenant = require(Permission.ACCOUNTS_READ)) -> AccountOut:
        return _read(tenant, account_id)

    @router.post("", response_model=AccountOut, status_code=201, responses=ERRORS)
    def connect(
        body: ConnectIn,  # type: ignore[valid-type]
        request: Request,
        tenant: Tenant = require(Permission.ACCOUNTS_WRITE),
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response:
        """Connect an account: the credentials' shape is checked (errors name the field), they are sealed,
        default schedules are created. Validate it next (``POST /v1/accounts/{id}/validate``)."""

        payload: Any = body

        def create() -> AccountOut:
            account_id = account_service.connect_in(
                tenant.session,
                tenant.rt,
                tenant.seller_id,
                payload.marketplace,
                payload.credentials,
                display_name=payload.display_name,
                actor=tenant.principal.actor(tenant.ip),
            )
            tenant.session.flush()
            return _read(tenant, account_id)

        fingerprint = request_hash("POST", request.url.path, body)
        return run_once(tenant, idempotency_key, fingerprint, 201, create)

    @router.post("/{account_id}/validate", response_model=ValidationOut, responses=ERRORS)
    def validate(account_id: int = AccountId, tenant: Tenant = require(Permission.ACCOUNTS_WRITE)) -> ValidationOut:
        """Check the credentials with one real call to the marketplace; recorded as a credential event."""
        account, _code = _account(tenant, account_id)
        if account.disconnected_at is not None:
            raise Conflict("account_id", "is disconnected; reconnect it first")
        outcome = validate_account(tenant.rt, account.id)
        return ValidationOut(
            account_id=account.id,
            status=outcome.status,
            http_status=outcome.http_status,
            code=outcome.code,
            message=outcome.message,
        )

    @router.put("/{account_id}/credentials", response_model=AccountOut, responses=ERRORS)
    def reconnect(
        body: ReconnectIn,  # type: ignore[valid-type]
        account_id: int = AccountId,
        tenant: Tenant = require(Permission.ACCOUNTS_WRITE),
    ) -> AccountOut:
        """New credentials for the same marketplace account; its paused schedules resume."""
        payload: Any = body
        account, code = _account(tenant, account_id)
        if payload.marketplace != code:
            raise InvalidInput("marketplace", f"this is a {code} account")
        account_service.reconnect_in(
            tenant.session, tenant.rt, account, payload.credentials, actor=tenant.principal.actor(tenant.ip)
        )
        tenant.session.flush()
        return _read(tenant, account.id)

    @router.delete("/{account_id}", status_code=204, responses=ERRORS)
    def disconnect(account_id: int = AccountId, tenant: Tenant = require(Permission.ACCOUNTS_WRITE)) -> Response:
        """Delete the credentials and stop every schedule; synced history stays. Reconnect to go on."""
        account, _code = _account(tenant, account_id)
        if account.disconnected_at is None:
            account_service.disconnect_in(tenant.session, tenant.rt, account, actor=tenant.principal.actor(tenant.ip))
        return Response(status_code=204)

    @router.get(
        "/{account_id}/credential-events",
        response_model=Page[accounts_query.CredentialEventView],
        responses=ERRORS,
    )
    def credential_events(
        account_id: int = AccountId,
        tenant: Tenant = require(Permission.ACCOUNTS_READ),
        cursor: str | None = Query(default=None, max_length=400),
        limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    ) -> Page[accounts_query.CredentialEventView]:
        """Validations and auth failures of the account, newest first (never a secret)."""
        return accounts_query.list_credential_events(
            tenant.session, tenant.seller_id, account_id, cursor=cursor, limit=limit
        )

    return router
