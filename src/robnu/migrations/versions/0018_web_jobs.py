"""The dashboard's jobs (issue 12): one row per long action (sync now, check credentials, close a batch) with its
progress and results, so that any process serving the dashboard answers a poll of a job another one runs.
Seller-scoped: row-level security on PostgreSQL comes with every table that has ``seller_id``.

Revision ID: 0018_web_jobs
Revises: 0017_registry
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import robnu.db.types

revision = "0018_web_jobs"
down_revision = "0017_registry"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("current", sa.String(length=200), nullable=True),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("started_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", robnu.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", robnu.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_web_jobs_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_jobs")),
    )
    with op.batch_alter_table("web_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_web_jobs_seller_started", ["seller_id", "started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_web_jobs_seller_started")
    op.drop_table("web_jobs")
