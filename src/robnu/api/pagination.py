"""Keyset pagination: a page is the next ``limit`` rows after the cursor in a stable order that ends with a
unique column (the id), so rows inserted meanwhile never shift a page and a deep page costs what the first
does. The cursor is opaque to clients (base64 of the last row's sort key)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.orm import QueryableAttribute

from robnu.api.problems import ApiProblem, FieldError
from robnu.db.types import UTCDateTime

T = TypeVar("T")
Column = ColumnElement[Any] | QueryableAttribute[Any]
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def _bad_cursor() -> ApiProblem:
    return ApiProblem(
        422,
        "cursor: is not a cursor this list gave out",
        errors=[FieldError(field="cursor", message="is not a cursor this list gave out")],
    )


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, columns: Sequence[Column]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not isinstance(raw, list) or len(raw) != len(columns):
        raise _bad_cursor()
    values: list[Any] = []
    for value, column in zip(raw, columns, strict=True):
        if isinstance(column.type, UTCDateTime):
            try:
                parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                parsed = None
            if parsed is None or parsed.tzinfo is None:
                raise _bad_cursor()
            values.append(parsed)
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | str)
            or (isinstance(value, int) and not -(2**63) <= value < 2**63)
        ):
            raise _bad_cursor()
        else:
            values.append(value)
    return values


def keyset(
    stmt: Select[Any],
    columns: Sequence[Column],
    cursor: str | None,
    limit: int,
    *,
    descending: bool = False,
) -> Select[Any]:
    """Order ``stmt`` by ``columns`` (all ascending or all descending; the last one unique), start after the
    cursor, and fetch one row more than ``limit`` (to know whether there is a next page)."""
    if cursor:
        values = decode_cursor(cursor, columns)
        key, after = tuple_(*columns), tuple_(*values)
        stmt = stmt.where(key < after if descending else key > after)
    order = [c.desc() if descending else c.asc() for c in columns]
    return stmt.order_by(*order).limit(limit + 1)


def page(rows: Sequence[T], limit: int, key: Any) -> tuple[list[T], str | None]:
    """The page's rows and the cursor of the next page (None on the last page); ``key(row)`` is the row's
    values of the keyset columns."""
    more = len(rows) > limit
    items = list(rows[:limit])
    return items, (encode_cursor(key(items[-1])) if more and items else None)
