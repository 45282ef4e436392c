"""What every read-model query shares: the page it returns, the opaque keyset cursor, the seller's accounts.

A list is ordered by a unique sort key (e.g. ``ordered_at, id`` newest first); the cursor of a page carries the
sort key of its last row, and the next page starts strictly after it (``WHERE (ordered_at, id) < (:t, :id)``),
so a deep page costs what the first one does and rows added meanwhile neither repeat nor vanish. A cursor names
the list it belongs to, so one list's cursor is refused by another.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, DateTime, Integer, Select, and_, literal, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from robnu.db.models import Marketplace, MarketplaceAccount
from robnu.domain.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""C0 and C1 control characters: what a text filter refuses (the API's schemas say the same in a pattern)."""


class Dto(BaseModel):
    """A read model: immutable; ``Decimal`` serialises as a decimal string, datetimes as ISO-8601 UTC."""

    model_config = ConfigDict(frozen=True)


class Page(BaseModel, Generic[T]):
    """One page of a list and the cursor of the next (None: this was the last page)."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    next_cursor: str | None = None


SortValue = datetime | int | str


@dataclass(frozen=True)
class Keyset:
    """The sort key of a list: its columns (unique together), one direction for all, and the list's name."""

    name: str
    columns: tuple[InstrumentedAttribute[Any], ...]
    descending: bool = True

    def order(self, q: Select[Any]) -> Select[Any]:
        return q.order_by(*(c.desc() if self.descending else c.asc() for c in self.columns))

    def after(self, q: Select[Any], cursor: str | None) -> Select[Any]:
        """``q`` restricted to the rows after ``cursor`` (a row-value comparison an index range can serve)."""
        if cursor is None:
            return q
        values = self.decode(cursor)
        key = tuple_(*self.columns)
        bound = tuple_(*(literal(v, c.type) for c, v in zip(self.columns, values, strict=True)))
        return q.where(key < bound if self.descending else key > bound)

    def encode(self, row_values: tuple[SortValue, ...]) -> str:
        payload = [self.name, [_dump(v) for v in row_values]]
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[SortValue, ...]:
        bad = InvalidInput("cursor", "is not a cursor of this list (use next_cursor from the previous page)")
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            name, values = json.loads(raw)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise bad from None
        if name != self.name or not isinstance(values, list) or len(values) != len(self.columns):
            raise bad
        try:
            return tuple(_load(c, v) for c, v in zip(self.columns, values, strict=True))
        except (ValueError, TypeError):
            raise bad from None


def _dump(value: SortValue) -> SortValue:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def _load(column: InstrumentedAttribute[Any], value: Any) -> SortValue:
    sql_type = getattr(column.type, "impl", column.type)  # a TypeDecorator (UTCDateTime) names its base type
    if isinstance(sql_type, DateTime):
        if not isinstance(value, str):
            raise TypeError("datetime expected")
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime")
        return parsed
    if isinstance(sql_type, Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("int expected")
        return value
    if not isinstance(value, str):
        raise TypeError("str expected")
    return value


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def paginate(
    s: Session,
    q: Select[Any],
    keyset: Keyset,
    *,
    cursor: str | None,
    limit: int,
    sort_values: Any,
) -> tuple[list[Any], str | None]:
    """Run ``q`` (already filtered, seller-scoped) for one page: ``limit`` rows after ``cursor`` in the keyset's
    order, plus the next cursor (taken from the last row with ``sort_values(row)``) when more rows follow."""
    check_limit(limit)
    rows = list(s.execute(keyset.order(keyset.after(q, cursor)).limit(limit + 1)).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, keyset.encode(tuple(sort_values(rows[-1])))


class AccountRef(Dto):
    """Which of the seller's accounts a row belongs to."""

    account_id: int
    marketplace: str
    account_name: str


def seller_accounts(s: Session, seller_id: int) -> dict[int, AccountRef]:
    """The seller's accounts by id (a seller has a handful: one query instead of a join per listed row)."""
    q = (
        select(MarketplaceAccount.id, Marketplace.code, MarketplaceAccount.display_name)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
        .where(MarketplaceAccount.seller_id == seller_id)
    )
    return {i: AccountRef(account_id=i, marketplace=code, account_name=name) for i, code, name in s.execute(q)}


def account_ids_for(
    accounts: dict[int, AccountRef], *, marketplace: str | None, account_id: int | None
) -> list[int] | None:
    """The account ids a marketplace / account filter allows (None: no such filter). An account that is not the
    seller's, or a marketplace the seller has no account on, allows none: the list is empty, not an error."""
    if marketplace is None and account_id is None:
        return None
    return [
        a.account_id
        for a in accounts.values()
        if (marketplace is None or a.marketplace == marketplace.upper())
        and (account_id is None or a.account_id == account_id)
    ]


def enum_value(field: str, value: str | None, allowed: Any) -> str | None:
    """``value`` as ``allowed`` (an enum class) spells it, matched case-insensitively; else an error naming the
    field and the values it takes."""
    if value is None:
        return None
    names = {str(m.value).lower(): str(m.value) for m in allowed}
    found = names.get(value.strip().lower())
    if found is None:
        raise InvalidInput(field, f"must be one of {', '.join(names.values())}")
    return found


def text_value(field: str, value: str | None) -> str | None:
    """A free-text filter (an id, a SKU) stripped; control characters (a NUL the database refuses) are an error
    naming the field. Empty means no filter."""
    if value is None:
        return None
    text = value.strip()
    if CONTROL_CHARACTERS.search(text):
        raise InvalidInput(field, "must not contain control characters")
    return text or None


def check_range(field: str, start: datetime | None, end: datetime | None) -> tuple[datetime | None, datetime | None]:
    """The range ``{field}_from`` .. ``{field}_to`` in UTC. A bound with no timezone, or an end before the start,
    is an error naming it; a bound past what UTC can hold (year 1 with a positive offset, year 9999 with a negative
    one) bounds nothing and is dropped."""
    for name, at in ((f"{field}_from", start), (f"{field}_to", end)):
        if at is not None and at.tzinfo is None:
            raise InvalidInput(name, "must carry a timezone (e.g. 2026-11-20T00:00:00Z)")
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"{field}_to", f"is before {field}_from")
    return _utc_or_none(start), _utc_or_none(end)


def _utc_or_none(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    try:
        return at.astimezone(UTC)
    except OverflowError:
        return None


# ------------------------------------------------------------------------------------------- optional filters
# A list's filters are optional: each helper gives its condition, or None when the filter was not asked for, and
# ``where_given`` applies the ones that were. One line per filter instead of an ``if … is not None`` block each.

Condition = ColumnElement[bool] | None
Column = ColumnElement[Any] | InstrumentedAttribute[Any]
S = TypeVar("S", bound=Select[Any])


def equal(column: Column, value: object | None) -> Condition:
    return None if value is None else column == value


def at_least(column: Column, value: object | None) -> Condition:
    return None if value is None else column >= value


def before(column: Column, value: object | None) -> Condition:
    return None if value is None else column < value


def within(column: Column, values: Sequence[Any] | None) -> Condition:
    """``column IN values``; None: every value (an empty list is a filter that matches nothing)."""
    return None if values is None else column.in_(values)


def where_given(q: S, *conditions: Condition) -> S:
    """``q`` narrowed by every condition that was asked for."""
    given = [c for c in conditions if c is not None]
    return q.where(*given) if given else q


# ------------------------------------------------------------------------------------------------ a list's scope
# Every list of account rows opens the same way: the seller's rows, on the accounts its marketplace / account
# filter allows, or an empty page when the filter allows none. ``ListScope`` is that opening, once.


class AccountFilter(Protocol):
    """The marketplace / account filter every list of account rows has (its filters dataclass carries both)."""

    @property
    def marketplace(self) -> str | None: ...

    @property
    def account_id(self) -> int | None: ...


@dataclass(frozen=True)
class ByAccount:
    """A marketplace / account filter alone, for a list that has no other filters."""

    marketplace: str | None = None
    account_id: int | None = None


class ListScope:
    """Where one list of a seller's account rows looks: the seller's rows on the accounts its filter allows.
    ``accounts`` (the seller's accounts by id, to name each row's account) is read on first use, once: a list
    that joins the account's name itself, or whose page is empty, does not read it."""

    def __init__(self, s: Session, seller_id: int, filters: AccountFilter) -> None:
        self._session = s
        self.seller_id = seller_id
        # The account ids the filter allows; None: every account of the seller. A marketplace becomes the seller's
        # account ids there (an index range each, not a join on its code); an account id alone needs no lookup:
        # another seller's account has no rows in this seller's scope, so its page is empty all the same.
        self.allowed: list[int] | None = None
        if filters.marketplace is not None:
            self.allowed = account_ids_for(
                self.accounts, marketplace=filters.marketplace, account_id=filters.account_id
            )
        elif filters.account_id is not None:
            self.allowed = [filters.account_id]

    @cached_property
    def accounts(self) -> dict[int, AccountRef]:
        return seller_accounts(self._session, self.seller_id)

    @property
    def empty(self) -> bool:
        """The filter allows no account (no account of the seller's on that marketplace): an empty page, no query."""
        return self.allowed == []

    def rows_of(self, model: Any) -> ColumnElement[bool]:
        """The WHERE condition for ``model``'s rows (a table with ``seller_id`` and ``marketplace_account_id``) in
        this scope: the seller's (the tenant scope every query names itself), on the allowed accounts. An account
        index leading with ``seller_id`` serves either."""
        mine: ColumnElement[bool] = model.seller_id == self.seller_id
        if self.allowed is None:
            return mine
        return and_(mine, model.marketplace_account_id.in_(self.allowed))
