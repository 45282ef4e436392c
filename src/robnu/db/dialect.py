"""The one place that picks the INSERT construct (with ON CONFLICT) for the session's database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session) -> Callable[..., Any]:
    """``postgresql.insert`` or ``sqlite.insert``: both offer ``on_conflict_do_nothing/update``."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
