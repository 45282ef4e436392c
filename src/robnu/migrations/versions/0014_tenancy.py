"""Tenancy: orgs above sellers, suspension, users who belong to several sellers with one role in each
(``seller_users``, filled from the old ``users.seller_id``/``role``), sign-in sessions (refresh-token
families), personal API tokens, login throttling, the audit log, idempotency keys; on PostgreSQL row-level
security on every table with ``seller_id`` and the roles it needs (``robnu.db.rls``).

Revision ID: 0014_tenancy
Revises: 0013_money
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import robnu.db.types
from robnu.db import rls

revision = "0014_tenancy"
down_revision = "0013_money"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = robnu.db.types.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "orgs",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orgs")),
    )
    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_id", ID, nullable=True))
        batch_op.add_column(sa.Column("suspended_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("suspension_reason", sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f("ix_sellers_org_id"), ["org_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_sellers_org_id_orgs"), "orgs", ["org_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("marketplace_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disconnected_at", UTC, nullable=True))

    op.create_table(
        "seller_users",
        sa.Column("id", ID, nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("seller_users", "seller_id", "sellers", "CASCADE"),
        _fk("seller_users", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_users")),
        sa.UniqueConstraint("seller_id", "user_id", name=op.f("uq_seller_users_seller_id_user_id")),
    )
    op.create_index(op.f("ix_seller_users_user_id"), "seller_users", ["user_id"], unique=False)
    op.execute(
        "INSERT INTO seller_users (seller_id, user_id, role, created_at, updated_at) "
        "SELECT seller_id, id, role, created_at, created_at FROM users"
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("password_changed_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("disabled_at", UTC, nullable=True))
        batch_op.drop_index(batch_op.f("ix_users_seller_id"))
        batch_op.drop_constraint(batch_op.f("fk_users_seller_id_sellers"), type_="foreignkey")
        batch_op.drop_column("seller_id")
        batch_op.drop_column("role")

    op.create_table(
        "session_families",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        _fk("session_families", "seller_id", "sellers", "CASCADE"),
        _fk("session_families", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_families")),
    )
    op.create_index(op.f("ix_session_families_user_id"), "session_families", ["user_id"], unique=False)
    op.create_table(
        "refresh_tokens",
        sa.Column("id", ID, nullable=False),
        sa.Column("family_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("rotated_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["session_families.id"],
            name=op.f("fk_refresh_tokens_family_id_session_families"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_refresh_tokens_family_id"), "refresh_tokens", ["family_id"], unique=False)
    op.create_table(
        "api_tokens",
        sa.Column("id", ID, nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("permissions", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=True),
        sa.Column("last_used_at", UTC, nullable=True),
        sa.Column("revoked_at", UTC, nullable=True),
        _fk("api_tokens", "seller_id", "sellers", "CASCADE"),
        _fk("api_tokens", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index("ix_api_tokens_seller_created", "api_tokens", ["seller_id", "created_at"], unique=False)
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTC, nullable=False),
        sa.Column("locked_until", UTC, nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("seller_id", ID, nullable=True),
        sa.Column("occurred_at", UTC, nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_user_id", ID, nullable=True),
        sa.Column("actor_token_id", ID, nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        _fk("audit_events", "actor_token_id", "api_tokens", "SET NULL"),
        _fk("audit_events", "actor_user_id", "users", "SET NULL"),
        _fk("audit_events", "seller_id", "sellers", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_seller_occurred", "audit_events", ["seller_id", "occurred_at", "id"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("id", ID, nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _fk("idempotency_keys", "seller_id", "sellers", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("seller_id", "key", name=op.f("uq_idempotency_keys_seller_id_key")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Policies on every table with seller_id present now; robnu.migrations.upgrade runs the same idempotent
        # install after every upgrade, so tables of later (and third-party) migrations are covered too.
        rls.install(op.get_bind(), {})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        rls.uninstall(op.get_bind(), {})
    op.drop_table("idempotency_keys")
    op.drop_index("ix_audit_events_seller_occurred", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("login_throttle")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_index("ix_api_tokens_seller_created", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index(op.f("ix_refresh_tokens_family_id"), table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index(op.f("ix_session_families_user_id"), table_name="session_families")
    op.drop_table("session_families")
    # A user keeps the first seller they joined; one who belongs to none cannot be kept by the old shape.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seller_id", ID, nullable=True))
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE users SET seller_id = (SELECT su.seller_id FROM seller_users su WHERE su.user_id = users.id "
        "ORDER BY su.id LIMIT 1), role = (SELECT su.role FROM seller_users su WHERE su.user_id = users.id "
        "ORDER BY su.id LIMIT 1)"
    )
    op.execute("DELETE FROM users WHERE seller_id IS NULL")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("seller_id", existing_type=ID, nullable=False)
        batch_op.alter_column("role", existing_type=sa.String(length=20), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_users_seller_id_sellers"), "sellers", ["seller_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(batch_op.f("ix_users_seller_id"), ["seller_id"], unique=False)
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("password_hash")
        batch_op.drop_column("display_name")
    op.drop_index(op.f("ix_seller_users_user_id"), table_name="seller_users")
    op.drop_table("seller_users")
    with op.batch_alter_table("marketplace_accounts", schema=None) as batch_op:
        batch_op.drop_column("disconnected_at")
    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_sellers_org_id_orgs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_sellers_org_id"))
        batch_op.drop_column("suspension_reason")
        batch_op.drop_column("suspended_at")
        batch_op.drop_column("org_id")
    op.drop_table("orgs")
