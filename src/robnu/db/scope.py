"""The one way to open a unit of work for a tenant: ``seller_scope(sessions, seller_id)``.

On every transaction the scoped session begins, PostgreSQL gets the role ``<app role>`` (when one is
configured) and ``app.seller_id``, both by ``set_config(…, true)`` in the statement that begins it: both
transaction-local, so a pooled connection never carries a tenant into the next transaction; row-level
security does the filtering. On both databases the session also adds ``seller_id = …`` to every ORM statement
(``with_loader_criteria``) and refuses to flush a row of another seller: on SQLite, which has no row-level
security, that is the isolation; on PostgreSQL it is a second wall and gives the planner the seller to use its
``seller_id``-leading indexes.
Core ``text()`` statements are not filtered on SQLite: tenant code uses the ORM.

System work that must see every seller (the scheduler's tick, syncs, the CLI, sign-in) uses an ordinary,
unscoped session on a connection whose role may see all sellers (see ``robnu.db.rls``)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import BigInteger, BindParameter, ColumnElement, bindparam, event, select, true
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


def _tenant_clause(cls: type[Any], seller: BindParameter[int]) -> ColumnElement[bool]:
    """The rows of ``cls`` the scoped seller may see: its own seller row, the users that are its members, rows
    whose ``seller_id`` is its own; every row of a table without a seller (the marketplaces)."""
    if cls is Seller:
        return Seller.id == seller
    if cls is User:
        return User.id.in_(select(SellerUser.user_id).where(SellerUser.seller_id == seller))
    mapper = getattr(cls, "__mapper__", None)  # None for the stand-in SQLAlchemy passes when it first reads the lambda
    if mapper is not None and "seller_id" in mapper.columns:
        clause: ColumnElement[bool] = getattr(cls, "seller_id") == seller  # noqa: B009
        return clause
    return true()


@functools.lru_cache(maxsize=4096)
def _criteria(seller_id: int) -> LoaderCriteriaOption:
    # One option for every mapped class (``Base`` and what a plug-in maps later), resolved per class when a
    # statement is compiled, i.e. once per statement shape: a statement's cache key carries one lambda and the
    # seller's bound value. An option per mapped class cost ~1 ms per statement in cache keys alone
    # (docs/benchmarks.md, API scale).
    seller = bindparam("robnu_scope_seller", seller_id, type_=BigInteger)
    return with_loader_criteria(Base, lambda cls: _tenant_clause(cls, seller), include_aliases=True)


@event.listens_for(Session, "do_orm_execute")
def _filter(state: ORMExecuteState) -> None:
    seller_id = state.session.info.get(SELLER_KEY)
    if seller_id is None or not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the parent statement's criteria propagate to these
    state.statement = state.statement.options(_criteria(seller_id))


_SET_SELLER = f"SELECT set_config('{SETTING}', %(seller)s, true)"
# ``set_config('role', …, true)`` is ``SET LOCAL ROLE`` (same membership check) as an expression: both settings
# in one statement.
_SET_ROLE_AND_SELLER = f"SELECT set_config('role', %(role)s, true), set_config('{SETTING}', %(seller)s, true)"


@event.listens_for(Session, "after_begin")
def _set_local(session: Session, _transaction: SessionTransaction, connection: Any) -> None:
    seller_id = session.info.get(SELLER_KEY)
    if seller_id is None or connection.dialect.name != "postgresql":
        return
    role = session.info.get(ROLE_KEY)
    params = {"seller": str(seller_id), "role": role}
    sql = _SET_ROLE_AND_SELLER if role else _SET_SELLER
    driver = connection.connection.driver_connection
    if hasattr(driver, "pipeline"):
        # Nothing has reached the server yet: psycopg begins the transaction with this statement. In a pipeline
        # the BEGIN and the settings go in one round trip (a request's unit of work pays for every one).
        with driver.pipeline():
            driver.execute(sql, params)
    else:
        connection.exec_driver_sql(sql, params)


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
