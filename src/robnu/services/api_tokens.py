"""Personal API tokens: created for the caller's current seller with at most the caller's permissions,
shown once, listed by prefix, revoked."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.tenancy_models import ApiToken
from robnu.domain.errors import InvalidInput, NotFound
from robnu.domain.permissions import Permission
from robnu.security.tokens import API_TOKEN_PREFIX, digest, opaque
from robnu.services.audit import Actor, AuditAction, record

PREFIX_CHARS = 12
MAX_DAYS = 366


@dataclass(frozen=True)
class ApiTokenView:
    id: int
    name: str
    prefix: str
    permissions: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    user_id: int


@dataclass(frozen=True)
class NewApiToken:
    view: ApiTokenView
    token: str = field(repr=False)


def _view(t: ApiToken) -> ApiTokenView:
    return ApiTokenView(
        t.id,
        t.name,
        t.prefix,
        t.permissions.split(),
        t.created_at,
        t.expires_at,
        t.last_used_at,
        t.revoked_at,
        t.user_id,
    )


def create(
    s: Session,
    seller_id: int,
    user_id: int,
    name: str,
    permissions: frozenset[Permission],
    allowed: frozenset[Permission],
    now: datetime,
    *,
    expires_in_days: int | None = None,
    actor: Actor,
) -> NewApiToken:
    name = name.strip()
    if not name or len(name) > 100 or any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        raise InvalidInput("name", "must be 1 to 100 characters on one line")
    if not permissions:
        raise InvalidInput("permissions", "must name at least one permission")
    beyond = permissions - allowed
    if beyond:
        raise InvalidInput("permissions", f"beyond what you may do yourself: {', '.join(sorted(beyond))}")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise InvalidInput("expires_in_days", f"must be between 1 and {MAX_DAYS}")
    token = opaque(API_TOKEN_PREFIX)
    row = ApiToken(
        seller_id=seller_id,
        user_id=user_id,
        name=name,
        prefix=token[:PREFIX_CHARS],
        token_hash=digest(token),
        permissions=" ".join(sorted(permissions)),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    s.add(row)
    s.flush()
    record(
        s,
        seller_id,
        AuditAction.API_TOKEN_CREATED,
        now,
        actor,
        subject=f"api_token:{row.id}",
        name=name,
        permissions=sorted(permissions),
    )
    return NewApiToken(_view(row), token)


def list_tokens(s: Session, *, user_id: int | None = None) -> list[ApiTokenView]:
    q = select(ApiToken).order_by(ApiToken.id)
    if user_id is not None:
        q = q.where(ApiToken.user_id == user_id)
    return [_view(t) for t in s.execute(q).scalars()]


def revoke(s: Session, seller_id: int, token_id: int, now: datetime, actor: Actor, *, user_id: int | None) -> None:
    """Revoke one token of this seller; ``user_id`` limits it to that user's own tokens."""
    row = s.get(ApiToken, token_id)
    if row is None or row.seller_id != seller_id or (user_id is not None and row.user_id != user_id):
        raise NotFound(f"API token {token_id} does not exist")
    if row.revoked_at is None:
        row.revoked_at = now
        record(s, seller_id, AuditAction.API_TOKEN_REVOKED, now, actor, subject=f"api_token:{row.id}")
