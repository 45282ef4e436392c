"""Tenant units of work for the services: ``tenant_session(rt, seller_id)`` is ``seller_scope`` with the
runtime's session factory and the database role tenant work runs as (``ROBNU_DB_APP_ROLE``; "auto" means
``robnu_app`` on a PostgreSQL database that has it)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from robnu.db.rls import APP_ROLE
from robnu.db.scope import seller_scope
from robnu.services.runtime import Runtime

_roles: dict[int, str | None] = {}
_lock = threading.Lock()


def app_role(rt: Runtime) -> str | None:
    configured = rt.settings.db_app_role.strip()
    if rt.engine.dialect.name != "postgresql" or not configured:
        return None
    if configured != "auto":
        return configured
    key = id(rt.engine)
    with _lock:
        if key not in _roles:
            _roles[key] = APP_ROLE if _role_exists(rt.engine, APP_ROLE) else None
        return _roles[key]


def _role_exists(engine: Engine, role: str) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).scalar()
        )


@contextmanager
def tenant_session(rt: Runtime, seller_id: int) -> Iterator[Session]:
    with seller_scope(rt.sessions, seller_id, db_role=app_role(rt)) as session:
        yield session
