"""Idempotent batch upserts on (marketplace_account_id, external_id), the same on SQLite and PostgreSQL.

``upsert_newer`` is the sync's write: no read before it. A new row is inserted; a stored row is updated only
when the incoming one is newer (``source_updated_at``), so a re-sync, a repeat or a racing writer with an
older version changes nothing; and the statement itself reports which rows it wrote (RETURNING), so unchanged
rows are known without reading them. Each statement is prepared once and its text does not depend on the
batch: on PostgreSQL one ``INSERT … SELECT … FROM unnest(<one array per column>) ON CONFLICT …`` per table
and batch; on SQLite multi-row ``VALUES`` of a few fixed sizes (SQLite runs them in-process, so a few
statements cost no round trips, and a bounded number of statement shapes keeps its statement cache small).
Values go through the columns' own SQLAlchemy bind processors: stored exactly as the ORM stores them.

``upsert_rows`` (a read of stored versions first, then a multi-row upsert) is kept for the writers of
returns and payouts, whose side effects need to know what changed before they write.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Dialect, Table, func, select
from sqlalchemy.orm import Session

from robnu.db.dialect import insert_for
from robnu.db.models import Base
from robnu.db.scope import CrossTenantWrite, scoped_seller
from robnu.db.types import bulk_bind_processor

KEY = ("marketplace_account_id", "external_id")
NEVER_UPDATED = (*KEY, "id", "created_at", "seller_id")
# Rows per SQLite statement: multi-row VALUES of 64, 32, … 1 rows (7 shapes per table and column set).
SQLITE_ROWS_PER_STATEMENT = 64


@dataclass(frozen=True)
class Upserted:
    ids: dict[str, int]  # external_id -> id of every row written (inserted or updated)
    new: frozenset[str]  # the external ids of those that were inserted

    @property
    def inserted(self) -> int:
        return len(self.new)

    @property
    def updated(self) -> int:
        return len(self.ids) - len(self.new)


Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class _Plan:
    """One table and column set on one dialect: the statement's parts and each column's bind processor."""

    table: str
    columns: tuple[str, ...]  # the rows' keys, then columns left out that have a Python-side constant default
    defaults: dict[str, Any]  # those constants (SQLAlchemy would fill them in; raw SQL must)
    converters: tuple[Converter | None, ...]
    into: str  # INSERT INTO t (c1, c2, …)
    conflict: str  # ON CONFLICT … (no RETURNING)
    values: str  # PostgreSQL: SELECT * FROM unnest(%b::type[], …); SQLite: one row's (?, ?, …)


def _quote(dialect: Dialect, name: str) -> str:
    return str(dialect.identifier_preparer.quote(name))


@functools.lru_cache(maxsize=256)
def _plan(table: Table, columns: tuple[str, ...], dialect: Dialect, conflict: tuple[str, ...], mode: str) -> _Plan:
    """``mode`` "newer": update a stored row from a newer one; "same or newer": from one at least as new;
    "nothing": keep whatever is stored."""
    q = functools.partial(_quote, dialect)
    name = q(table.name)
    defaults = _defaults(table, columns)
    columns = (*columns, *defaults)
    cols = [table.c[c] for c in columns]
    converters = tuple(bulk_bind_processor(c.type, dialect) for c in cols)
    into = f"INSERT INTO {name} ({', '.join(q(c) for c in columns)}) "
    target = f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) "
    if mode in ("newer", "same or newer"):
        sets = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in columns if c not in NEVER_UPDATED)
        op = "<" if mode == "newer" else "<="
        newer = f"{name}.{q('source_updated_at')} {op} excluded.{q('source_updated_at')}"
        conflict_sql = f"{target}DO UPDATE SET {sets} WHERE {newer}"
    else:
        conflict_sql = f"{target}DO NOTHING"
    if dialect.name == "postgresql":
        # %b: each array goes in PostgreSQL's binary format. In text format psycopg quotes and escapes every
        # element with regular expressions, which took a third of a fast sync's CPU on PostgreSQL.
        arrays = ", ".join(f"%b::{c.type.compile(dialect=dialect)}[]" for c in cols)
        values = f"SELECT * FROM unnest({arrays})"  # noqa: S608 (names from the table's metadata, quoted)
    else:
        values = "(" + ", ".join("?" for _ in cols) + ")"
    return _Plan(table.name, columns, defaults, converters, into, conflict_sql, values)


def _defaults(table: Table, given: tuple[str, ...]) -> dict[str, Any]:
    """The Python-side defaults of the columns ``given`` leaves out (constants only; anything else must be given)."""
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.name in given or col.default is None or col.primary_key:
            continue
        if not col.default.is_scalar:
            raise ValueError(f"{table.name}.{col.name} has a computed default: give it in every row")
        out[col.name] = col.default.arg  # type: ignore[attr-defined]
    return out


def _column(values: list[Any], convert: Converter | None) -> list[Any]:
    """One column's values as driver values. A batch repeats value objects (the batch's own timestamp on every
    row, shared currency and status strings): each object is converted once. Keyed by identity, not equality:
    hashing an aware datetime computes its UTC offset, which cost more than it saved on columns whose values
    all differ (``values`` holds every object, so no id is reused meanwhile)."""
    if convert is None:
        return values
    memo: dict[int, Any] = {}
    out = []
    for v in values:
        key = id(v)
        if key in memo:
            out.append(memo[key])
        else:
            memo[key] = converted = convert(v)
            out.append(converted)
    return out


def _columns(plan: _Plan, rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """The rows as one list of driver values per column, in the plan's column order."""
    return [
        _column([plan.defaults[c]] * len(rows) if c in plan.defaults else [row[c] for row in rows], conv)
        for c, conv in zip(plan.columns, plan.converters, strict=True)
    ]


def _in_scope(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """A seller-scoped session writes only its seller's rows. These statements bypass the ORM, whose flush
    makes that check; on PostgreSQL row-level security checks it too, on SQLite this is the check."""
    seller_id = scoped_seller(session)
    if seller_id is not None and "seller_id" in table.c and any(r["seller_id"] != seller_id for r in rows):
        raise CrossTenantWrite(f"a {table.name} row belongs to another seller")


def _execute(conn: Connection, plan: _Plan, rows: Sequence[dict[str, Any]], returning: str) -> list[Any]:
    """Run the plan's statement over ``rows``; the RETURNING rows (none when ``returning`` is empty)."""
    columns = _columns(plan, rows)
    tail = plan.conflict + (f" RETURNING {returning}" if returning else "")
    if conn.dialect.name == "postgresql":
        result = conn.exec_driver_sql(plan.into + plan.values + " " + tail, tuple(columns))
        return list(result.all()) if returning else []
    values = list(zip(*columns, strict=True))
    out: list[Any] = []
    if not returning:  # one prepared statement over every row
        conn.exec_driver_sql(plan.into + "VALUES " + plan.values + " " + tail, values)
        return out
    at = 0
    while at < len(values):
        left = len(values) - at
        size = min(SQLITE_ROWS_PER_STATEMENT, 1 << (left.bit_length() - 1))
        sql = plan.into + "VALUES " + ", ".join([plan.values] * size) + " " + tail
        flat = tuple(chain.from_iterable(values[at : at + size]))
        out.extend(conn.exec_driver_sql(sql, flat).all())
        at += size
    return out


def upsert_newer(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    returning: bool = True,
    refresh: bool = False,
) -> Upserted:
    """Insert new rows, update stored ones from newer rows, leave the rest; which ones were written comes back
    (all rows must have the same keys). With ``returning`` off nothing is reported (and SQLite runs one
    prepared statement over all rows). ``refresh`` also rewrites rows exactly as new as the stored ones."""
    if not rows:
        return Upserted({}, frozenset())
    table: Table = model.__table__  # type: ignore[assignment]
    _in_scope(session, table, rows)
    conn = session.connection()
    dialect = conn.dialect
    plan = _plan(table, tuple(rows[0]), dialect, KEY, "same or newer" if refresh else "newer")
    if not returning:
        _execute(conn, plan, rows, "")
        return Upserted({}, frozenset())
    if dialect.name == "postgresql":
        # xmax is 0 on a row version this statement inserted, our transaction's id on one it updated.
        written = _execute(conn, plan, rows, f"{_quote(dialect, 'external_id')}, id, (xmax = 0)")
        return Upserted({e: i for e, i, _new in written}, frozenset(e for e, _i, new in written if new))
    # SQLite gives a new row the highest rowid + 1, and the sync writes under its write lock (the lease
    # fence opened the transaction), so every id above the highest before the statements is a new row.
    before = conn.execute(select(func.max(table.c.id))).scalar() or 0
    written = _execute(conn, plan, rows, f"{_quote(dialect, 'external_id')}, id")
    return Upserted({e: i for e, i in written}, frozenset(e for e, i in written if i > before))


def insert_new(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], conflict: tuple[str, ...], returning: str
) -> list[Any]:
    """Insert the rows that do not collide on ``conflict`` (a unique key), leave the others; the RETURNING
    columns (raw SQL, e.g. "order_item_id, kind") of the rows inserted."""
    if not rows:
        return []
    table: Table = model.__table__  # type: ignore[assignment]
    _in_scope(session, table, rows)
    conn = session.connection()
    plan = _plan(table, tuple(rows[0]), conn.dialect, conflict, "nothing")
    return _execute(conn, plan, rows, returning)


# ------------------------------------------------------------------------------------------- read, then write


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
