"""The audit log: security-relevant events per seller. Never a secret in a detail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from robnu.db.tenancy_models import AuditEvent


class AuditAction(StrEnum):
    LOGIN = "LOGIN"
    LOGIN_FAILED = "LOGIN_FAILED"
    LOGIN_THROTTLED = "LOGIN_THROTTLED"
    LOGOUT = "LOGOUT"
    SELLER_SWITCHED = "SELLER_SWITCHED"
    REFRESH_REUSED = "REFRESH_REUSED"  # a rotated refresh token came back: its family was revoked
    API_TOKEN_CREATED = "API_TOKEN_CREATED"  # noqa: S105
    API_TOKEN_REVOKED = "API_TOKEN_REVOKED"  # noqa: S105
    USER_ADDED = "USER_ADDED"
    ROLE_CHANGED = "ROLE_CHANGED"
    USER_REMOVED = "USER_REMOVED"
    CREDENTIALS_CONNECTED = "CREDENTIALS_CONNECTED"
    CREDENTIALS_RECONNECTED = "CREDENTIALS_RECONNECTED"
    ACCOUNT_DISCONNECTED = "ACCOUNT_DISCONNECTED"
    CREDENTIALS_DECRYPTED = "CREDENTIALS_DECRYPTED"  # for a sync, push or processing run


@dataclass(frozen=True)
class Actor:
    """Who did it: a user (signed in, or through one of their API tokens), or nobody (the CLI, the system)."""

    user_id: int | None = None
    token_id: int | None = None
    ip: str | None = None


SYSTEM = Actor()


def record(
    s: Session,
    seller_id: int | None,
    action: AuditAction,
    now: datetime,
    actor: Actor = SYSTEM,
    subject: str | None = None,
    **detail: Any,
) -> None:
    s.add(
        AuditEvent(
            seller_id=seller_id,
            occurred_at=now,
            action=action,
            actor_user_id=actor.user_id,
            actor_token_id=actor.token_id,
            subject=subject,
            ip=actor.ip,
            detail=json.dumps(detail, sort_keys=True, default=str),
        )
    )
