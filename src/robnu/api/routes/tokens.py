"""Personal API tokens (tokens:write): create (the token is in the answer once), list, revoke."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from robnu.api.deps import Tenant, require
from robnu.api.params import NAME_PATTERN, id_path
from robnu.api.problems import problem_responses
from robnu.domain.permissions import Permission
from robnu.services import api_tokens

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])
ERRORS = problem_responses(401, 403, 404, 422, 429)


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=NAME_PATTERN)
    permissions: list[Permission] = Field(min_length=1, max_length=len(Permission))
    expires_in_days: int | None = Field(default=None, ge=1, le=api_tokens.MAX_DAYS)


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="the token's first characters, to recognise it")
    permissions: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    user_id: int


class NewTokenOut(TokenOut):
    token: str = Field(description="shown only in this answer; send it as 'Authorization: Bearer <token>'")


def _out(view: api_tokens.ApiTokenView) -> TokenOut:
    return TokenOut(**view.__dict__)


@router.post("", response_model=NewTokenOut, status_code=201, responses=ERRORS)
def create_token(body: TokenIn, tenant: Tenant = require(Permission.TOKENS_WRITE)) -> NewTokenOut:
    """A token for scripts, for this seller, with at most your own permissions."""
    new = api_tokens.create(
        tenant.session,
        tenant.seller_id,
        tenant.principal.user_id,
        body.name,
        frozenset(body.permissions),
        tenant.principal.permissions,
        tenant.rt.clock.now(),
        expires_in_days=body.expires_in_days,
        actor=tenant.principal.actor(tenant.ip),
    )
    return NewTokenOut(**new.view.__dict__, token=new.token)


@router.get("", response_model=list[TokenOut], responses=ERRORS)
def list_tokens(tenant: Tenant = require(Permission.TOKENS_WRITE)) -> list[TokenOut]:
    """Your tokens for this seller (with users:write, everyone's)."""
    mine = None if Permission.USERS_WRITE in tenant.principal.permissions else tenant.principal.user_id
    return [_out(v) for v in api_tokens.list_tokens(tenant.session, user_id=mine)]


@router.delete("/{token_id}", status_code=204, responses=ERRORS)
def revoke_token(token_id: int = id_path(), tenant: Tenant = require(Permission.TOKENS_WRITE)) -> Response:
    """Revoke a token: it stops working at once. Your own, or anyone's here with users:write."""
    mine = None if Permission.USERS_WRITE in tenant.principal.permissions else tenant.principal.user_id
    api_tokens.revoke(
        tenant.session,
        tenant.seller_id,
        token_id,
        tenant.rt.clock.now(),
        tenant.principal.actor(tenant.ip),
        user_id=mine,
    )
    return Response(status_code=204)
