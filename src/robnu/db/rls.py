"""Row-level security on PostgreSQL: the database itself refuses cross-tenant reads and writes.

* Every table with a ``seller_id`` column (found in the live schema, so a new table cannot be forgotten) gets
  ``ENABLE`` + ``FORCE ROW LEVEL SECURITY`` and the policy ``seller_id = app_current_seller_id()``; ``sellers``
  keys on its own id and ``users`` on a membership of the current seller. ``app_current_seller_id()`` reads the
  transaction-local setting ``app.seller_id`` and is NULL when it is unset, so an unscoped session of a
  tenant role sees zero rows (not an error, not everything).
* Tables of sign-in secrets without a seller (``refresh_tokens``, ``login_throttle``) get RLS with no tenant
  policy: only system work reads them.
* Roles (cluster-wide, created once, never dropped by a downgrade):
  ``robnu_app`` — what tenant units of work run as (``SET LOCAL ROLE`` in the scope helper), no BYPASSRLS;
  ``robnu_all_sellers`` — the target of a second policy that lets system work (the scheduler's tick across
  sellers, syncs, the CLI) see every seller; it holds no table privileges itself;
  ``robnu_system`` — table privileges for system work, a member of ``robnu_all_sellers``;
  ``robnu_worker_<code>`` — one per marketplace: like ``robnu_system`` but with no access to the other
  marketplaces' credential satellites.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, event, text

log = logging.getLogger(__name__)

APP_ROLE = "robnu_app"
ALL_SELLERS_ROLE = "robnu_all_sellers"
SYSTEM_ROLE = "robnu_system"
SETTING = "app.seller_id"
TENANT_POLICY = "robnu_tenant"
ROLE_NAME = re.compile(r"robnu_[a-z0-9_]{1,50}")
ALL_SELLERS_POLICY = "robnu_all_sellers"

# No seller of their own, but secrets of sign-ins: system work only.
SYSTEM_ONLY_TABLES = ("refresh_tokens", "login_throttle")
# Tables whose tenant predicate is not ``seller_id = …``.
SPECIAL_PREDICATES = {
    "sellers": "id = app_current_seller_id()",
    "users": (
        "EXISTS (SELECT 1 FROM seller_users su WHERE su.user_id = users.id AND su.seller_id = app_current_seller_id())"
    ),
}
TENANT_PREDICATE = "seller_id = app_current_seller_id()"
# Tables no tenant role may change (read-only reference and bookkeeping).
READ_ONLY_TABLES = ("alembic_version", "marketplaces", "master_key_checks")

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION app_current_seller_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN current_setting('{SETTING}', true) ~ '^[0-9]{{1,18}}$'
              THEN current_setting('{SETTING}', true)::bigint END
$$
"""


def worker_role(code: str) -> str:
    return f"robnu_worker_{code.lower()}"


def may_become(conn: Connection, role: str) -> bool:
    """Whether the login role may ``SET ROLE`` to ``role`` (a member of it, or a superuser)."""
    return bool(
        conn.execute(
            text("SELECT pg_has_role(session_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).scalar()
    )


def worker_marketplace(conn: Connection, codes: Iterable[str]) -> str | None:
    """The marketplace a login role is meant to work for: the one ``robnu_worker_<code>`` it is a member of,
    when it is neither a superuser nor a member of ``robnu_system`` (which may work for every marketplace)."""
    superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")).scalar()
    if superuser or may_become(conn, SYSTEM_ROLE):
        return None
    mine = [code for code in codes if may_become(conn, worker_role(code))]
    return mine[0] if len(mine) == 1 else None


def become(engine: Engine, role: str) -> None:
    """Every connection ``engine`` opens from now on runs as ``role`` (``SET ROLE`` once per connection,
    committed so that a rollback does not undo it); pooled connections of the login role are dropped."""
    if not ROLE_NAME.fullmatch(role):
        raise ValueError(f"not a role name Robnu makes: {role!r}")

    def set_role(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f'SET ROLE "{role}"')
        cursor.close()
        dbapi_connection.commit()

    event.listen(engine, "connect", set_role)
    engine.dispose()


def tenant_tables(metadata: MetaData) -> list[str]:
    """Every table of the models that needs a tenant policy: each with ``seller_id``, plus the special ones."""
    names = {t.name for t in metadata.tables.values() if "seller_id" in t.c}
    return sorted(names | (set(SPECIAL_PREDICATES) & set(metadata.tables)))


def _live_tenant_tables(conn: Connection) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT c.table_name FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE c.table_schema = current_schema() AND c.column_name = 'seller_id' "
            "AND t.table_type = 'BASE TABLE'"
        )
    ).scalars()
    return sorted(set(rows) | set(SPECIAL_PREDICATES))


def _live_tables(conn: Connection) -> set[str]:
    return set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())


def _protected(conn: Connection) -> set[str]:
    """Tables that already have RLS forced and our tenant policy."""
    return set(
        conn.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relrowsecurity AND c.relforcerowsecurity "
                "AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = :name)"
            ),
            {"name": ALL_SELLERS_POLICY},
        ).scalars()
    )


def _ensure_role(conn: Connection, role: str, member_of: Iterable[str] = ()) -> None:
    """Create a NOLOGIN role if missing. Roles are cluster-wide: several databases (test processes) may race
    to create the same one, so a concurrent creation is not an error. Role names are Robnu's constants
    (``worker_role`` of a registered code), never input."""
    if not ROLE_NAME.fullmatch(role) or not all(ROLE_NAME.fullmatch(p) for p in member_of):
        raise ValueError(f"not a role name Robnu makes: {role!r}")
    conn.execute(
        text(
            f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                BEGIN
                  CREATE ROLE {role} NOLOGIN NOBYPASSRLS;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END;
              END IF;
            END $$"""  # noqa: S608
        )
    )
    for parent in member_of:
        conn.execute(
            text(
                f"""DO $$ BEGIN
                  IF NOT pg_has_role('{role}', '{parent}', 'MEMBER') THEN
                    BEGIN
                      GRANT {parent} TO {role};
                    EXCEPTION WHEN duplicate_object OR unique_violation OR internal_error THEN NULL;
                    END;
                  END IF;
                END $$"""
            )
        )


def _owner_sees_all_sellers(conn: Connection) -> None:
    """FORCE applies RLS to the tables' owner too: the role that migrates (and runs system work with the same
    URL) joins ``robnu_all_sellers`` unless it is a superuser (which bypasses RLS anyway)."""
    is_super = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one()
    if not is_super:
        conn.execute(text(f"GRANT {ALL_SELLERS_ROLE} TO CURRENT_USER"))
        conn.execute(text(f"GRANT {APP_ROLE} TO CURRENT_USER"))  # the scope helper's SET LOCAL ROLE


def install_roles(conn: Connection) -> None:
    _ensure_role(conn, ALL_SELLERS_ROLE)
    _ensure_role(conn, APP_ROLE)
    _ensure_role(conn, SYSTEM_ROLE, member_of=(ALL_SELLERS_ROLE,))
    _owner_sees_all_sellers(conn)


def protect(conn: Connection, table: str) -> None:
    """RLS on one table: enabled, forced, the tenant policy and the all-sellers policy (idempotent)."""
    q = f'"{table}"'
    conn.execute(text(f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY"))
    conn.execute(text(f"ALTER TABLE {q} FORCE ROW LEVEL SECURITY"))
    conn.execute(text(f"DROP POLICY IF EXISTS {TENANT_POLICY} ON {q}"))
    if table not in SYSTEM_ONLY_TABLES:
        predicate = SPECIAL_PREDICATES.get(table, TENANT_PREDICATE)
        conn.execute(text(f"CREATE POLICY {TENANT_POLICY} ON {q} USING ({predicate}) WITH CHECK ({predicate})"))
    conn.execute(text(f"DROP POLICY IF EXISTS {ALL_SELLERS_POLICY} ON {q}"))
    conn.execute(
        text(f"CREATE POLICY {ALL_SELLERS_POLICY} ON {q} TO {ALL_SELLERS_ROLE} USING (true) WITH CHECK (true)")
    )


def unprotect(conn: Connection, table: str) -> None:
    q = f'"{table}"'
    conn.execute(text(f"DROP POLICY IF EXISTS {TENANT_POLICY} ON {q}"))
    conn.execute(text(f"DROP POLICY IF EXISTS {ALL_SELLERS_POLICY} ON {q}"))
    conn.execute(text(f"ALTER TABLE {q} NO FORCE ROW LEVEL SECURITY"))
    conn.execute(text(f"ALTER TABLE {q} DISABLE ROW LEVEL SECURITY"))


def protect_missing(conn: Connection) -> list[str]:
    """Protect every table of the live schema that should be and is not yet; returns the tables changed."""
    live = _live_tables(conn)
    wanted = [t for t in (*_live_tenant_tables(conn), *SYSTEM_ONLY_TABLES) if t in live]
    done = _protected(conn)
    changed = [t for t in wanted if t not in done]
    for table in changed:
        protect(conn, table)
    return changed


def grant(conn: Connection, satellites: Mapping[str, str]) -> None:
    """Table privileges: tenant and system roles on every table; each marketplace's worker role on every
    table except the other marketplaces' credential satellites (``satellites``: code -> table)."""
    live = _live_tables(conn)
    roles = [APP_ROLE, SYSTEM_ROLE]
    for code in satellites:
        _ensure_role(conn, worker_role(code), member_of=(ALL_SELLERS_ROLE,))
        roles.append(worker_role(code))
    listed = ", ".join(roles)
    conn.execute(text(f"GRANT USAGE ON SCHEMA {_schema(conn)} TO {listed}"))
    conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {_schema(conn)} TO {listed}"))
    conn.execute(text(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {_schema(conn)} TO {listed}"))
    for table in READ_ONLY_TABLES:
        if table in live:
            conn.execute(text(f'REVOKE INSERT, UPDATE, DELETE ON "{table}" FROM {APP_ROLE}'))
    for code in satellites:
        for other, table in satellites.items():
            if other != code and table in live:
                conn.execute(text(f'REVOKE ALL ON "{table}" FROM {worker_role(code)}'))


def revoke(conn: Connection, satellites: Mapping[str, str]) -> None:
    roles = [APP_ROLE, SYSTEM_ROLE, *(worker_role(c) for c in satellites)]
    existing = set(conn.execute(text("SELECT rolname FROM pg_roles")).scalars())
    for role in roles:
        if role in existing:
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {_schema(conn)} FROM {role}"))
            conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {_schema(conn)} FROM {role}"))
            conn.execute(text(f"REVOKE ALL ON SCHEMA {_schema(conn)} FROM {role}"))


def _schema(conn: Connection) -> str:
    return '"' + str(conn.execute(text("SELECT current_schema()")).scalar_one()) + '"'


def install(conn: Connection, satellites: Mapping[str, str]) -> list[str]:
    """Everything, idempotently: the function, the roles, policies on every unprotected table, the grants."""
    conn.execute(text(FUNCTION_SQL))
    install_roles(conn)
    changed = protect_missing(conn)
    grant(conn, satellites)
    if changed:
        log.info("row-level security enabled on %d tables", len(changed))
    return changed


def uninstall(conn: Connection, satellites: Mapping[str, str]) -> None:
    protected = conn.execute(
        text(
            "SELECT DISTINCT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
            "AND p.polname IN (:a, :b)"
        ),
        {"a": TENANT_POLICY, "b": ALL_SELLERS_POLICY},
    ).scalars()
    for table in sorted(set(protected)):
        unprotect(conn, table)
    revoke(conn, satellites)
    conn.execute(text("DROP FUNCTION IF EXISTS app_current_seller_id()"))
