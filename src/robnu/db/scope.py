"""The one way to open a unit of work for a tenant: ``seller_scope(sessions, seller_id)``.

On every transaction the scoped session begins, PostgreSQL gets ``SET LOCAL ROLE <app role>`` (when one is
configured) and ``set_config('app.seller_id', …, true)`` — both transaction-local, so a pooled connection
never carries a tenant into the next transaction — and row-level security does the filtering. On both
databases the session also adds ``seller_id = …`` to every ORM statement (``with_loader_criteria``) and
refuses to flush a row of another seller: on SQLite, which has no row-level security, that is the isolation;
on PostgreSQL it is a second wall and gives the planner the seller to use its ``seller_id``-leading indexes.
Core ``text()`` statements are not filtered on SQLite: tenant code uses the ORM.

System work that must see every seller (the scheduler's tick, syncs, the CLI, sign-in) uses an ordinary,
unscoped session on a connection whose role may see all sellers (see ``robnu.db.rls``)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, event, select, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker, with_loader_criteria
from sqlalchemy.orm.util import LoaderCriteriaOption

from robnu.db.models import Base, Seller, User
from robnu.db.rls import SETTING
from robnu.db.tenancy_models import SellerUser
from robnu.domain.errors import RobnuError

SELLER_KEY = "robnu_seller_id"
ROLE_KEY = "robnu_db_role"


class CrossTenantWrite(RobnuError):
    """A scoped session was asked to write a row of another seller."""


def _criteria(seller_id: int) -> tuple[LoaderCriteriaOption, ...]:
    # Built once per seller (immutable options, shared by its statements): building them for every mapper on
    # every statement cost as much CPU as the read API's query itself (docs/benchmarks.md, API scale). The
    # mapper count is part of the key: a model mapped later (a plug-in's satellite) gets its criteria too.
    return _criteria_for(seller_id, len(Base.registry.mappers))


@functools.lru_cache(maxsize=4096)
def _criteria_for(seller_id: int, _mappers: int) -> tuple[LoaderCriteriaOption, ...]:
    options: list[LoaderCriteriaOption] = [
        with_loader_criteria(Seller, Seller.id == seller_id, include_aliases=True),
        with_loader_criteria(
            User,
            User.id.in_(select(SellerUser.user_id).where(SellerUser.seller_id == seller_id)),
            include_aliases=True,
        ),
    ]
    for mapper in Base.registry.mappers:
        column = mapper.columns.get("seller_id")
        if column is not None:
            cls = mapper.class_
            clause: ColumnElement[bool] = getattr(cls, "seller_id") == seller_id  # noqa: B009
            options.append(with_loader_criteria(cls, clause, include_aliases=True))
    return tuple(options)


@event.listens_for(Session, "do_orm_execute")
def _filter(state: ORMExecuteState) -> None:
    seller_id = state.session.info.get(SELLER_KEY)
    if seller_id is None or not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the parent statement's criteria propagate to these
    state.statement = state.statement.options(*_criteria(seller_id))


@event.listens_for(Session, "after_begin")
def _set_local(session: Session, _transaction: SessionTransaction, connection: Any) -> None:
    seller_id = session.info.get(SELLER_KEY)
    if seller_id is None or connection.dialect.name != "postgresql":
        return
    role = session.info.get(ROLE_KEY)
    if role:
        connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
    connection.execute(text("SELECT set_config(:name, :value, true)"), {"name": SETTING, "value": str(seller_id)})


@event.listens_for(Session, "before_flush")
def _refuse_other_sellers(session: Session, _context: Any, _instances: Any) -> None:
    seller_id = session.info.get(SELLER_KEY)
    if seller_id is None:
        return
    for obj in (*session.new, *session.dirty):
        owner = obj.id if isinstance(obj, Seller) else getattr(obj, "seller_id", seller_id)
        if owner != seller_id:
            raise CrossTenantWrite(f"{type(obj).__name__} belongs to another seller")


@contextmanager
def seller_scope(sessions: sessionmaker[Session], seller_id: int, *, db_role: str | None = None) -> Iterator[Session]:
    """A session that sees and writes only ``seller_id``'s rows; commits on success, rolls back on error."""
    session = sessions()
    session.info[SELLER_KEY] = seller_id
    session.info[ROLE_KEY] = db_role
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def scoped_seller(session: Session) -> int | None:
    value = session.info.get(SELLER_KEY)
    return int(value) if value is not None else None
