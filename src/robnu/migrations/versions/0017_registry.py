"""The marketplace registry keyed by code: the database assigns ``marketplaces.id`` (no plugin chooses an
integer, so two plugins cannot collide), and ``status`` is one of LIVE, BETA, DISABLED.

SQLite assigns an ``INTEGER PRIMARY KEY`` by itself; on PostgreSQL the column is a ``serial`` whose sequence
never moved (the four built-ins were seeded with explicit ids), so it is set past the rows present.
Third-party rows are written with ``robnu.migrations.plugin.add_marketplace(code, ...)``.

Revision ID: 0017_registry
Revises: 0016_storage
"""

from __future__ import annotations

from alembic import op

revision = "0017_registry"
down_revision = "0016_storage"
branch_labels = None
depends_on = None

STATUSES = ("LIVE", "BETA", "DISABLED")  # robnu.domain.statuses.MarketplaceStatus, frozen as of this revision


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('marketplaces', 'id'), "
            "GREATEST((SELECT max(id) FROM marketplaces), 1))"
        )
    allowed = ", ".join(f"'{s}'" for s in STATUSES)
    with op.batch_alter_table("marketplaces", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_marketplaces_status"), f"status IN ({allowed})")


def downgrade() -> None:
    with op.batch_alter_table("marketplaces", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_marketplaces_status"), type_="check")
