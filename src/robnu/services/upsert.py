"""Idempotent batch upserts on (marketplace_account_id, external_id), the same on SQLite and PostgreSQL.

The engine first reads what it already holds for the batch, so it can count inserts, updates and
unchanged rows and skip the unchanged; the statement itself still carries a guard so that a racing
writer with an older ``source_updated_at`` can never overwrite a newer row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from robnu.db.dialect import insert_for
from robnu.db.models import Base

KEY = ("marketplace_account_id", "external_id")


def existing_versions(
    session: Session, model: type[Base], account_id: int, external_ids: Sequence[str]
) -> dict[str, tuple[int, datetime]]:
    """external_id -> (id, source_updated_at) for the rows already stored."""
    if not external_ids:
        return {}
    table: Table = model.__table__  # type: ignore[assignment]
    rows = session.execute(
        select(table.c.external_id, table.c.id, table.c.source_updated_at).where(
            table.c.marketplace_account_id == account_id, table.c.external_id.in_(list(set(external_ids)))
        )
    ).all()
    return {external_id: (row_id, updated) for external_id, row_id, updated in rows}


# Bound parameters per statement: PostgreSQL's protocol allows 65,535 and SQLite 32,766; stay under both
# (one settlement can carry thousands of lines).
MAX_PARAMETERS = 30_000


def upsert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert or update ``rows``; returns external_id -> id for the rows written."""
    if not rows:
        return {}
    per_statement = max(1, MAX_PARAMETERS // len(rows[0]))
    written: dict[str, int] = {}
    for at in range(0, len(rows), per_statement):
        written.update(_upsert_chunk(session, model, rows[at : at + per_statement]))
    return written


def _upsert_chunk(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> dict[str, int]:
    table: Table = model.__table__  # type: ignore[assignment]
    insert_fn = insert_for(session)
    stmt = insert_fn(table).values(rows)
    update_cols = {c: stmt.excluded[c] for c in rows[0] if c not in (*KEY, "id", "created_at", "seller_id")}
    stmt = stmt.on_conflict_do_update(
        index_elements=list(KEY),
        set_=update_cols,
        where=table.c.source_updated_at <= stmt.excluded.source_updated_at,
    ).returning(table.c.external_id, table.c.id)
    return {external_id: row_id for external_id, row_id in session.execute(stmt).all()}
