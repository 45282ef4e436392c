"""Bulk writes convert values with ``bulk_bind_processor``: it must give exactly what SQLAlchemy binds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from robnu.db.types import BigId, Money, UTCDateTime, bulk_bind_processor

IST = timezone(timedelta(hours=5, minutes=30))
SAMPLES: list[tuple[TypeEngine[Any], list[Any]]] = [
    (
        UTCDateTime(),
        [
            None,
            datetime(2026, 11, 20, 6, 30, tzinfo=UTC),  # no microseconds: still written with six digits
            datetime(2026, 11, 20, 6, 30, 1, 5, tzinfo=UTC),
            datetime(2026, 11, 20, 12, 0, tzinfo=IST),  # converted to UTC first
            datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),  # a year below 1000 is zero-padded
            datetime(2026, 11, 20, 6, 30, 1, 5, tzinfo=ZoneInfo("UTC")),  # UTC, but not the UTC singleton
        ],
    ),
    (Money(), [None, Decimal("0"), Decimal("12.5"), Decimal("-3.14159"), 7]),
    (Boolean(), [None, True, False]),
    (BigId, [None, 1, 2**40]),
    (Integer(), [None, 0, -5]),
    (String(20), [None, "", "KURTA-M"]),
]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()], ids=["sqlite", "postgresql"])
@pytest.mark.parametrize(("column_type", "values"), SAMPLES, ids=[type(t).__name__ for t, _ in SAMPLES])
def test_bulk_processor_binds_what_sqlalchemy_binds(
    column_type: TypeEngine[Any], values: list[Any], dialect: Dialect
) -> None:
    reference = column_type.dialect_impl(dialect).bind_processor(dialect)
    bulk = bulk_bind_processor(column_type, dialect)
    for value in values:
        expected = reference(value) if reference else value
        got = bulk(value) if bulk else value
        assert got == expected and type(got) is type(expected), (value, got, expected)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()], ids=["sqlite", "postgresql"])
def test_bulk_processor_refuses_a_naive_datetime(dialect: Dialect) -> None:
    bulk = bulk_bind_processor(UTCDateTime(), dialect)
    assert bulk is not None
    with pytest.raises(ValueError, match="timezone-aware"):
        bulk(datetime(2026, 11, 20, 6, 30))
