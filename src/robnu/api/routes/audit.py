"""The seller's audit log (audit:read), newest first."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import select

from robnu.api.deps import Tenant, require
from robnu.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, keyset, page
from robnu.api.problems import problem_responses
from robnu.db.tenancy_models import AuditEvent
from robnu.domain.permissions import Permission
from robnu.services.audit import AuditAction

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditOut(BaseModel):
    id: int
    occurred_at: datetime
    action: str
    actor_user_id: int | None
    actor_token_id: int | None
    subject: str | None
    ip: str | None
    detail: dict[str, Any]


@router.get("", response_model=Page[AuditOut], responses=problem_responses(401, 403, 422, 429))
def list_audit(
    tenant: Tenant = require(Permission.AUDIT_READ),
    action: AuditAction | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    cursor: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> Page[AuditOut]:
    stmt = select(AuditEvent)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    if since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    cols = [AuditEvent.occurred_at, AuditEvent.id]
    rows = tenant.session.execute(keyset(stmt, cols, cursor, limit, descending=True)).scalars().all()
    items, next_cursor = page(rows, limit, lambda e: (e.occurred_at, e.id))
    return Page[AuditOut](
        items=[
            AuditOut(
                id=e.id,
                occurred_at=e.occurred_at,
                action=e.action,
                actor_user_id=e.actor_user_id,
                actor_token_id=e.actor_token_id,
                subject=e.subject,
                ip=e.ip,
                detail=json.loads(e.detail),
            )
            for e in items
        ],
        next_cursor=next_cursor,
    )
