"""No index the database only ever writes: a non-unique index whose columns lead another index, unique key or
primary key on the same table is served by that one (equality on the leading columns, a foreign key's cascade
check, row-level security's seller_id predicate) and costs every insert a b-tree. Read from the migrated
database itself, so a migration cannot bring one back unnoticed (docs/architecture.md, "Indexes")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, ForeignKey, Index, Integer, MetaData, Table, UniqueConstraint, inspect, text
from sqlalchemy.engine.reflection import Inspector

from robnu.db.engine import make_engine
from robnu.testing.database import create_database, drop_database


def _plain(index: Any) -> tuple[str, ...] | None:
    """An index's columns, or None when it cannot stand in for another (partial, or on an expression)."""
    options = index.get("dialect_options", {})
    columns = tuple(index["column_names"])
    partial = options.get("postgresql_where") is not None or options.get("sqlite_where") is not None
    if partial or None in columns:
        return None
    return columns


def _keys(insp: Inspector, table: str) -> list[tuple[str, tuple[str, ...]]]:
    """Every index and key of the table that a lookup on its leading columns can use."""
    keys = [(str(ix["name"]), cols) for ix in insp.get_indexes(table) if (cols := _plain(ix)) is not None]
    keys += [(str(uq["name"]), tuple(uq["column_names"])) for uq in insp.get_unique_constraints(table)]
    pk = insp.get_pk_constraint(table)
    if pk["constrained_columns"]:
        keys.append((str(pk["name"] or "primary key"), tuple(pk["constrained_columns"])))
    return keys


def covered_indexes(engine: Engine) -> list[str]:
    """Each non-unique index whose columns are a strict prefix of another index or key on its table."""
    insp = inspect(engine)
    found = []
    for table in insp.get_table_names():
        keys = _keys(insp, table)
        for index in insp.get_indexes(table):
            columns = _plain(index)
            if index["unique"] or columns is None:
                continue
            wider = [name for name, other in keys if len(other) > len(columns) and other[: len(columns)] == columns]
            if wider:
                found.append(f"{table}.{index['name']} {list(columns)} is covered by {wider[0]}")
    return sorted(found)


def test_the_migrated_schema_has_no_covered_index(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        assert covered_indexes(engine) == []
    finally:
        engine.dispose()


def test_the_check_finds_a_covered_index(tmp_path: Path) -> None:
    """The check itself: it names a lone index that a composite or a unique key leads with, and nothing else (not
    a unique index, not one whose only wider company is partial)."""
    url = create_database(tmp_path, "covered")
    engine = make_engine(url)
    meta = MetaData()
    Table("parents", meta, Column("id", Integer, primary_key=True))
    Table(
        "probe",
        meta,
        Column("id", Integer, primary_key=True),
        Column("a", Integer, ForeignKey("parents.id")),
        Column("b", Integer),
        Column("c", Integer),
        Column("d", Integer),
        Index("ix_probe_a", "a"),  # covered by ix_probe_a_b
        Index("ix_probe_a_b", "a", "b"),
        Index("ix_probe_c", "c"),  # covered by the unique key
        UniqueConstraint("c", "d", name="uq_probe_c_d"),
        Index("ix_probe_b", "b"),  # a partial index cannot serve every lookup on b
        Index("ix_probe_b_c_live", "b", "c", postgresql_where=text("d IS NULL"), sqlite_where=text("d IS NULL")),
        Index("uq_probe_d", "d", unique=True),  # enforces something: kept though (d, c) leads with it
        Index("ix_probe_d_c", "d", "c"),
    )
    try:
        meta.create_all(engine)
        assert covered_indexes(engine) == [
            "probe.ix_probe_a ['a'] is covered by ix_probe_a_b",
            "probe.ix_probe_c ['c'] is covered by uq_probe_c_d",
        ]
    finally:
        engine.dispose()
        drop_database(url)
