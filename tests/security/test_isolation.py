"""Tenant isolation. On PostgreSQL the database itself refuses cross-tenant reads and writes (row-level
security, checked with raw SQL so no application filter helps); on both databases the one scope helper
(``seller_scope`` / ``tenant_session``) shows a session only its seller's rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from robnu.adapters.registry import registry
from robnu.config import Settings
from robnu.db import rls
from robnu.db.models import Base, Marketplace, MarketplaceAccount, Order, Product, Seller, User
from robnu.db.scope import CrossTenantWrite
from robnu.db.tenancy_models import AuditEvent, SellerUser
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.permissions import Permission
from robnu.services import api_tokens, web_jobs
from robnu.services.accounts import create_seller_with_owner
from robnu.services.audit import Actor
from robnu.services.runtime import Runtime
from robnu.services.stock import adjust_on_hand
from robnu.services.sync import SyncEngine
from robnu.services.tenancy import tenant_session
from tests.conftest import PG_URL
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime

pg_only = pytest.mark.skipif(not PG_URL, reason="row-level security is PostgreSQL's (ROBNU_TEST_DATABASE_URL)")


@dataclass
class Tenants:
    rt: Runtime
    a: int
    b: int
    accounts: dict[int, list[int]]


@pytest.fixture
def tenants(settings: Settings) -> Iterator[Tenants]:
    """Two sellers, each with an AJIO and a Meesho account synced from the sandboxes, a product, a user per
    seller, an API token and audit events: rows for most tenant tables."""
    with wired_runtime(settings, ("AJIO", "MEESHO")) as (world, rt):
        ids: list[int] = []
        accounts: dict[int, list[int]] = {}
        for name in ("a", "b"):
            seller, owner = create_seller_with_owner(rt, f"Seller {name}", owner_email=f"owner@{name}.in")
            assert owner is not None
            ids.append(seller)
            accounts[seller] = []
            for code in ("AJIO", "MEESHO"):
                creds = world[code].create_account()
                world[code].generate_orders(creds["account_key"], 12, days=5)
                account, _ = connect_sandbox_account(rt, world, code, seller, creds=creds)
                accounts[seller].append(account)
                for target in (ScheduleTarget.ORDERS, ScheduleTarget.RETURNS, ScheduleTarget.PAYOUTS):
                    SyncEngine(rt).run(account, target)
            with rt.session() as s:
                now = rt.clock.now()
                s.add(Product(seller_id=seller, sku=f"SKU-{name}", created_at=now, updated_at=now))
                s.flush()
                adjust_on_hand(s, seller, f"SKU-{name}", 5, "received", now)
                web_jobs.create(s, seller, f"job-{name}", "Sync now", 3, now)  # a dashboard job in progress
                api_tokens.create(
                    s,
                    seller,
                    owner.user_id,
                    "script",
                    frozenset({Permission.ORDERS_READ}),
                    frozenset(Permission),
                    rt.clock.now(),
                    actor=Actor(user_id=owner.user_id),
                )
        yield Tenants(rt, ids[0], ids[1], accounts)


def _tenant_tables(conn: Connection) -> list[str]:
    registry.all()
    live = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
    return [t for t in rls.tenant_tables(Base.metadata) if t in live]


def _count(conn: Connection, table: str, where: str = "true") -> int:
    return int(conn.execute(text(f'SELECT count(*) FROM "{table}" WHERE {where}')).scalar_one())


def _as_app(conn: Connection, seller_id: int | None) -> None:
    conn.execute(text(f"SET LOCAL ROLE {rls.APP_ROLE}"))
    if seller_id is not None:
        conn.execute(text("SELECT set_config('app.seller_id', :v, true)"), {"v": str(seller_id)})


def _seller_column(table: str) -> str:
    return {"sellers": "id", "users": "id"}.get(table, "seller_id")


@pg_only
def test_every_table_with_seller_id_has_forced_rls(rt: Runtime) -> None:
    """The list is derived from the models: a new table with seller_id that lacks RLS fails here."""
    registry.all()
    wanted = set(rls.tenant_tables(Base.metadata)) | set(rls.SYSTEM_ONLY_TABLES)
    assert {"orders", "marketplace_accounts", "ajio_account_details", "seller_users", "sellers", "users"} <= wanted
    with rt.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'robnu_tenant') "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            )
        ).all()
    state = {name: (enabled, forced, policy) for name, enabled, forced, policy in rows}
    missing = sorted(t for t in wanted if t in state and state[t][:2] != (True, True))
    assert missing == []
    no_policy = sorted(t for t in wanted - set(rls.SYSTEM_ONLY_TABLES) if t in state and not state[t][2])
    assert no_policy == []


@pg_only
def test_unscoped_app_role_reads_zero_rows_everywhere(tenants: Tenants) -> None:
    with tenants.rt.engine.connect() as conn:
        tables = _tenant_tables(conn)
        filled = [t for t in tables if _count(conn, t) > 0]
        assert len(filled) >= 15, filled  # the check below means something for most tables
        conn.rollback()
        with conn.begin():
            _as_app(conn, None)
            seen = {t: _count(conn, t) for t in tables + list(rls.SYSTEM_ONLY_TABLES)}
    assert {t: n for t, n in seen.items() if n} == {}


@pg_only
def test_scoped_app_role_reads_exactly_its_own_rows(tenants: Tenants) -> None:
    with tenants.rt.engine.connect() as conn:
        tables = _tenant_tables(conn)
        own = {t: _count(conn, t, f"{_seller_column(t)} = {tenants.a}") for t in tables if t != "users"}
        conn.rollback()
        with conn.begin():
            _as_app(conn, tenants.a)
            others = {t: _count(conn, t, f"{_seller_column(t)} <> {tenants.a}") for t in tables if t != "users"}
            visible = {t: _count(conn, t) for t in tables if t != "users"}
            users = conn.execute(text("SELECT email FROM users")).scalars().all()
    assert {t: n for t, n in others.items() if n} == {}
    assert visible == own and own["web_jobs"] == 1
    assert users == ["owner@a.in"]


@pg_only
def test_scoped_app_role_cannot_write_another_sellers_rows(tenants: Tenants) -> None:
    a, b = tenants.a, tenants.b
    now = tenants.rt.clock.now()
    with tenants.rt.engine.connect() as conn:
        with pytest.raises(ProgrammingError, match="row-level security"), conn.begin():
            _as_app(conn, a)
            conn.execute(
                text(
                    "INSERT INTO products (seller_id, sku, on_hand, reserved, stock_version, created_at, updated_at) "
                    "VALUES (:b, 'STOLEN', 0, 0, 0, :now, :now)"
                ),
                {"b": b, "now": now},
            )
        with conn.begin():
            _as_app(conn, a)
            hidden = conn.execute(text("UPDATE products SET title = 'x' WHERE seller_id = :b"), {"b": b}).rowcount
            assert hidden == 0
        with pytest.raises(ProgrammingError, match="row-level security"), conn.begin():
            _as_app(conn, a)
            conn.execute(text("UPDATE products SET seller_id = :b WHERE seller_id = :a"), {"a": a, "b": b})
        with conn.begin():
            assert _count(conn, "products", f"seller_id = {b} AND title = 'x'") == 0


@pg_only
def test_ajio_worker_role_cannot_read_meesho_credentials(tenants: Tenants) -> None:
    with tenants.rt.engine.connect() as conn:
        with conn.begin():
            conn.execute(text(f"SET LOCAL ROLE {rls.worker_role('AJIO')}"))
            assert _count(conn, "ajio_account_details") == 2  # every seller's AJIO account: a fleet worker
            assert _count(conn, "orders") > 0
        with pytest.raises(ProgrammingError, match="permission denied"), conn.begin():
            conn.execute(text(f"SET LOCAL ROLE {rls.worker_role('AJIO')}"))
            conn.execute(text("SELECT * FROM meesho_account_details"))
        with pytest.raises(DBAPIError, match="permission denied"), conn.begin():
            conn.execute(text(f"SET LOCAL ROLE {rls.APP_ROLE}"))
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))


def test_syncs_audit_every_opening_of_credentials(tenants: Tenants) -> None:
    with tenant_session(tenants.rt, tenants.a) as s:
        opened = s.execute(
            select(AuditEvent.subject, AuditEvent.detail).where(AuditEvent.action == "CREDENTIALS_DECRYPTED")
        ).all()
    purposes = sorted((subject, json.loads(detail)["purpose"]) for subject, detail in opened)
    expected = sorted(
        (f"account:{account}", f"sync {target}")
        for account in tenants.accounts[tenants.a]
        for target in ("ORDERS", "RETURNS", "PAYOUTS")
    )
    assert purposes == expected


def test_scoped_session_sees_only_its_seller(tenants: Tenants) -> None:
    """The scope helper on either database: ORM reads, gets by id and writes stay inside the seller."""
    rt, a, b = tenants.rt, tenants.a, tenants.b
    with rt.sessions() as s:
        b_order = s.execute(select(Order.id).where(Order.seller_id == b).limit(1)).scalar_one()
        all_orders = s.execute(select(Order.seller_id)).scalars().all()
    assert {a, b} <= set(all_orders)
    with tenant_session(rt, a) as s:
        assert set(s.execute(select(Order.seller_id)).scalars()) == {a}
        assert s.get(Order, b_order) is None
        assert s.execute(select(Seller.id)).scalars().all() == [a]
        assert {m.seller_id for m in s.execute(select(SellerUser)).scalars()} == {a}
        assert len(s.execute(select(MarketplaceAccount)).scalars().all()) == len(tenants.accounts[a])
    with pytest.raises(CrossTenantWrite), tenant_session(rt, a) as s:
        now = rt.clock.now()
        s.add(Product(seller_id=b, sku="STOLEN", created_at=now, updated_at=now + timedelta(0)))
        s.flush()
    with rt.sessions() as s:
        assert s.execute(select(Product.id).where(Product.sku == "STOLEN")).first() is None


def test_scope_filters_every_table_of_a_statement_for_each_seller_in_turn(tenants: Tenants) -> None:
    """The same statements, compiled once and cached, run for A, then B, then A again: each time every table
    in them (joined ones too) is filtered to that seller, users to its members and sellers to itself."""
    rt, a, b = tenants.rt, tenants.a, tenants.b
    joined = (
        select(Order.seller_id, MarketplaceAccount.seller_id, Marketplace.code)
        .join(MarketplaceAccount, MarketplaceAccount.id == Order.marketplace_account_id)
        .join(Marketplace, Marketplace.id == MarketplaceAccount.marketplace_id)
    )
    # a tenant table joined to one without a seller: only its own criteria can keep other sellers out
    accounts_only = (
        select(MarketplaceAccount.seller_id)
        .select_from(Marketplace)
        .join(MarketplaceAccount, MarketplaceAccount.marketplace_id == Marketplace.id)
    )
    for seller in (a, b, a):
        with tenant_session(rt, seller) as s:
            rows = s.execute(joined).all()
            assert rows and {(o, m) for o, m, _ in rows} == {(seller, seller)}
            assert {code for *_, code in rows} == {"AJIO", "MEESHO"}  # a table without a seller is not emptied
            assert set(s.execute(accounts_only).scalars()) == {seller}
            assert s.execute(select(Seller.id)).scalars().all() == [seller]
            emails = set(s.execute(select(User.email)).scalars())
            assert emails == {f"owner@{'a' if seller == a else 'b'}.in"}
